"""Benchmark histories cached under `.bench/`, keyed by seed and size (SPEC §17).

`ensure_history` returns the cached database for `(seed, events)` or builds it: a migrated
database is filled by `animaltrack.simulation.generate_history` under a temporary name and
renamed only once complete, so an interrupted build is never reused. A JSON file beside it
keeps the summary (counts, times, the history's first and last instants) for later runs.

A cache is only as good as the code that built it. Its JSON records the schema (the SQL of a
freshly migrated database) and a hash of the sources that write a history (`animaltrack/`,
the generator included, and `store/`). A different schema is first migrated as `animaltrack
migrate` would (data upgrades included, timed, so a data migration is measured on a real
history) and rebuilt only when that does not give the current schema; different sources only
warn, since rebuilding a 1 000 000-event history takes minutes: `python -m bench --rebuild`
refreshes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from animaltrack.simulation import HistorySummary, Progress, default_animals, generate_history
from animaltrack.upgrades import run_upgrades
from store import connect
from store.migrations import migrate
from tools.progress import PhaseProgress

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("animaltrack", "store")

# The builder's page cache. SQLite's default (2 MiB) makes the fold of a multi-GB history about
# 1.5× slower: every index insertion then reads its pages back from the OS.
BUILD_CACHE_KIB = 1_048_576


@dataclass
class History:
    path: Path
    summary: HistorySummary
    reused: bool
    build_seconds: float
    db_bytes: int


def schema_fingerprint(path: str | Path = ":memory:") -> str:
    """sha256 of a database's schema (tables, indexes, triggers); by default of the one a fresh
    migration creates."""
    db = connect(path)
    try:
        if path == ":memory:":
            migrate(db)
        rows = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT LIKE '_sqlite_migrations%' ORDER BY type, name"
        ).fetchall()
    finally:
        db.close()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _migrate_cached(path: Path, meta: Path, data: dict, schema: str, log) -> bool:
    """Bring a cached history to the current schema as `animaltrack migrate` does; record the
    time it took. False when the result still differs (then it is built again)."""
    log(f"The schema changed since {path} was built: migrating it")
    began = time.perf_counter()
    db = connect(path)
    try:
        db.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KIB}")
        applied = migrate(db)
        upgraded = run_upgrades(db, progress=PhaseProgress())
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    seconds = round(time.perf_counter() - began, 1)
    if schema_fingerprint(path) != schema:
        return False
    log(f"  migrated in {seconds:,} s: {', '.join([*applied, *upgraded])}")
    data |= {"schema": schema, "db_bytes": path.stat().st_size}
    data.setdefault("migrations", []).append({"applied": [*applied, *upgraded], "seconds": seconds})
    meta.write_text(json.dumps(data, indent=2))
    return True


def source_fingerprint() -> str:
    """sha256 of the Python sources that decide what a generated history holds."""
    digest = hashlib.sha256()
    files = []
    for folder in SOURCE_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def history_path(cache_dir: Path, seed: int, events: int, animals: int | None = None) -> Path:
    suffix = "" if animals in (None, default_animals(events)) else f"-animals{animals}"
    return Path(cache_dir) / f"history-seed{seed}-events{events}{suffix}.db"


def _remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


def ensure_history(
    cache_dir: Path,
    *,
    seed: int,
    events: int,
    animals: int | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
    rebuild: bool = False,
) -> History:
    """The cached history for `(seed, events, animals)`, built first when missing, stale (its
    schema is not the current one) or when `rebuild` is asked."""
    animals = default_animals(events) if animals is None else animals
    path = history_path(cache_dir, seed, events, animals)
    meta = path.with_suffix(".json")
    schema, sources = schema_fingerprint(), source_fingerprint()
    if path.exists() and meta.exists() and not rebuild:
        data = json.loads(meta.read_text())
        if data.get("schema") == schema or _migrate_cached(path, meta, data, schema, log):
            log(f"Reusing {path} ({data['db_bytes'] / 2**20:,.0f} MiB)")
            if data.get("sources") != sources:
                log(
                    "  (built by other sources of animaltrack/ or store/;"
                    " `python -m bench --rebuild` refreshes it)"
                )
            return History(
                path,
                HistorySummary.from_dict(data["summary"]),
                True,
                data["build_seconds"],
                data["db_bytes"],
            )
        log(f"Migrating {path} did not give the current schema: building it again")
    path.parent.mkdir(parents=True, exist_ok=True)
    meta.unlink(missing_ok=True)
    partial = path.with_name(path.stem + ".partial.db")
    _remove(partial)
    log(f"Building {path}: {events:,} events, {animals:,} animals (seed {seed})")
    began = time.perf_counter()
    db = connect(partial)
    try:
        migrate(db)
        db.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KIB}")
        summary = generate_history(db, seed=seed, events=events, animals=animals, progress=progress)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    build_seconds = round(time.perf_counter() - began, 1)
    os.replace(partial, path)
    _remove(partial)
    db_bytes = path.stat().st_size
    meta.write_text(
        json.dumps(
            {
                "summary": summary.to_dict(),
                "build_seconds": build_seconds,
                "db_bytes": db_bytes,
                "schema": schema,
                "sources": sources,
            },
            indent=2,
        )
    )
    return History(path, summary, False, build_seconds, db_bytes)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of `source` at `target` through SQLite's online backup API."""
    _remove(target)
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst, pages=65_536)
    finally:
        dst.close()
        src.close()
