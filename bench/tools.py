"""The operator tools on the benchmark history (SPEC §14, `make bench`): `verify`, `rebuild` and
`replay --until` timed on copies, beside a floor measured in the same run — the final projection
rows bulk-loaded into index-less tables, then the indexes built — which is what any rebuild must
at least do, however it folds.

Targets (issue 8): rebuild with no writers ≥ 25 000 events/s and < 3× the floor's time; beside
four writers (`bench.beside`) ≥ 10 000 events/s, no 5xx, nothing lost, no write waiting 2 s and
a p99 under 250 ms outside the swap; verify ≤ 1.5× rebuild; peak RSS < 1 GiB (this process's,
page cache included; the rebuild beside the writers runs in a child process).
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from animaltrack.projections import default_registry
from animaltrack.rebuild import rebuild
from animaltrack.simulation import HistorySummary
from animaltrack.time_travel import replay_until
from animaltrack.verification import verify
from bench.beside import rebuild_beside_writers
from bench.history import copy_database
from store import connect, transaction
from store.bulk import indexes_after
from store.migrations import END_OF_TIME_UTC, migrate

REBUILD_EVENTS_PER_S = 25_000
REBUILD_FLOOR_RATIO = 3
BESIDE_EVENTS_PER_S = 10_000
VERIFY_REBUILD_RATIO = 1.5
PEAK_RSS_MIB = 1024


def bench_tools(history: Path, work: Path, summary: HistorySummary) -> dict[str, dict]:
    """Time the floor, verify, rebuild and replay; return their figures."""
    events = summary.events
    figures = {"floor": {"seconds": _floor(history, work.with_name("floor.db"))}}
    copy_database(history, work)
    db = connect(work)
    try:
        began = time.perf_counter()
        rebuilt = rebuild(db, work)
        figures["rebuild"] = {
            "seconds": time.perf_counter() - began,
            "swap_seconds": rebuilt.swap_seconds,
        }
        figures["rebuild beside writers"] = rebuild_beside_writers(work).figures()
        began = time.perf_counter()
        report = verify(db)  # after both rebuilds and the writers' events
        figures["verify"] = {"seconds": time.perf_counter() - began, "clean": report.ok}
        out = work.with_name("replay.db")
        for extra in ("", "-wal", "-shm"):
            Path(f"{out}{extra}").unlink(missing_ok=True)
        began = time.perf_counter()
        replayed = replay_until(db, out, (summary.start_ts + summary.end_ts) // 2)
        figures["replay"] = {"seconds": time.perf_counter() - began, "events": replayed.folded}
    finally:
        db.close()
    for figure in figures.values():
        figure.setdefault("events_per_s", round(figure.get("events", events) / figure["seconds"]))
    figures["peak_rss_mib"] = {"value": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    figures["targets"] = _targets(figures)
    return figures


def _floor(history: Path, target: Path) -> float:
    """Seconds to bulk-load the history's final projection rows into index-less tables of a
    fresh database and then build their indexes, triggers and R*Tree as migrations define them."""
    for extra in ("", "-wal", "-shm"):
        Path(f"{target}{extra}").unlink(missing_ok=True)
    db = connect(target)
    try:
        migrate(db)
        tables = default_registry(db).tables()
        db.execute("ATTACH DATABASE ? AS history", (str(history),))
        began = time.perf_counter()
        with transaction(db), indexes_after(db, tables):
            for table in tables:
                db.execute(f"INSERT INTO main.{table} SELECT * FROM history.{table}")
            db.execute(
                "INSERT INTO animal_location_spans (id, start_utc, end_utc)"
                f" SELECT rowid, start_utc, COALESCE(end_utc, {END_OF_TIME_UTC})"
                " FROM animal_location_intervals"
            )
        return time.perf_counter() - began
    finally:
        db.close()
        for extra in ("", "-wal", "-shm"):
            Path(f"{target}{extra}").unlink(missing_ok=True)


def _targets(figures: dict) -> dict[str, bool]:
    rebuild_s, floor_s = figures["rebuild"]["seconds"], figures["floor"]["seconds"]
    beside = figures["rebuild beside writers"]
    return {
        "rebuild ≥ 25 000 events/s": figures["rebuild"]["events_per_s"] >= REBUILD_EVENTS_PER_S,
        "rebuild < 3 × floor": rebuild_s < REBUILD_FLOOR_RATIO * floor_s,
        "beside writers ≥ 10 000 events/s": beside["events_per_s"] >= BESIDE_EVENTS_PER_S,
        "beside writers: no 5xx, nothing lost": (
            beside["errors_5xx"] == 0 and beside["acknowledged_missing"] == 0
        ),
        "beside writers: no write waits 2 s": beside["max_wait_ms"] < 2000,
        "beside writers: p99 outside the swap < 250 ms": beside["p99_outside_swap_ms"] < 250,
        "verify ≤ 1.5 × rebuild": figures["verify"]["seconds"] <= VERIFY_REBUILD_RATIO * rebuild_s,
        "peak RSS < 1 GiB": figures["peak_rss_mib"]["value"] < PEAK_RSS_MIB,
        "verify clean": figures["verify"]["clean"],
    }
