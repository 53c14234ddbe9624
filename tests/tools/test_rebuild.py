"""`animaltrack rebuild` (SPEC §14) on a generated history of 20 000 events: it repairs what
verify finds, folds in what arrives during the fold, refuses to run twice, and survives kill -9
and Ctrl-C at seeded moments — the live tables then hold the rows they held before (or, when the
kill came after the swap committed, a rebuild's), the file is intact, and the next run succeeds
and clears what the killed one left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from animaltrack.events.payloads import ProductCollectedPayload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.replay import projection_rows
from animaltrack.rebuild import rebuild, scratch_folder
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.products import ProductService
from store import connect
from tests.tools.helpers import run, tamper

KILLS = 5
SEED = 20261129


def rows(path: Path) -> dict[str, list[tuple]]:
    db = connect(path)
    try:
        return projection_rows(db)
    finally:
        db.close()


def test_rebuild_repairs_what_verify_finds(copy):
    clean = rows(copy)
    tamper(copy)
    assert run("--db", copy, "verify").exit_code == 1
    result = run("--db", copy, "rebuild")
    assert result.exit_code == 0, result.output
    assert "rebuild: 9 projection(s), 20,008 events" in result.output
    assert rows(copy) == clean
    assert run("--db", copy, "verify").exit_code == 0
    assert not scratch_folder(copy).exists()


def test_rebuild_only_one_projection_rebuilds_what_it_reads_too(copy):
    clean = rows(copy)
    tamper(copy)
    result = run("--db", copy, "rebuild", "--only", "event_log")
    assert result.exit_code == 0, result.output
    assert "3 projection(s)" in result.output  # event_log, the intervals and event_animals
    after = rows(copy)
    for table in ("event_locations", "animal_location_intervals", "event_animals"):
        assert after[table] == clean[table]
    assert after["tag_suggestions"] != clean["tag_suggestions"]  # not asked for: still tampered


def test_changes_recorded_during_the_fold_are_folded_in_at_the_swap(copy):
    db = connect(copy)
    writer = connect(copy)  # the server's connection, writing while the rebuild folds
    try:
        store = EventStore(writer)
        registry = default_registry(writer)
        collections = store.list_events(types=["ProductCollected"])
        last = collections[-1]

        def server_writes():
            products = ProductService(writer, store, registry)
            payload = ProductCollectedPayload(
                location_id=last.payload["location_id"],
                product_code="egg.duck",
                quantity=Decimal(7),
            )
            products.collect_product(payload, last.ts_utc + 1, "ines")
            args = (writer, store, registry)
            edit_event(*args, last.id, actor="ppetru", role="admin", payload={"quantity": 1})
            delete_event(*args, collections[-2].id, actor="ppetru", role="admin", reason="x")

        summary = rebuild(db, copy, before_swap=server_writes)
        assert summary.caught_up == 3
    finally:
        writer.close()
        db.close()
    assert run("--db", copy, "verify").exit_code == 0


def _start(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "--db", str(path), "rebuild"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def _leftovers(path: Path) -> list[str]:
    """Twin or retired tables a rebuild left in the file."""
    db = connect(path)
    try:
        return [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_schema"
                " WHERE name GLOB 'rebuild__*' OR name GLOB 'retired__*'"
            )
        ]
    finally:
        db.close()


def _integrity(path: Path) -> str:
    db = connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_kill_9_and_ctrl_c_at_seeded_moments_leave_the_live_tables_whole(copy):
    clean = rows(copy)
    tamper(copy)
    tampered = rows(copy)
    started = time.perf_counter()
    assert run("--db", copy, "verify").exit_code == 1
    duration = time.perf_counter() - started  # about one fold: the rebuild's length too
    moments = random.Random(SEED).sample([duration * k / 20 for k in range(1, 24)], KILLS)
    outcomes = []
    for moment in [*moments, None]:
        process = _start(copy)
        time.sleep(moment if moment is not None else duration / 2)
        process.send_signal(signal.SIGKILL if moment is not None else signal.SIGINT)
        process.communicate(timeout=60)
        after = rows(copy)
        assert after in (tampered, clean), f"half a swap after a kill at {moment}"
        assert _integrity(copy) == "ok"
        outcomes.append(after == clean)
        if after == clean:  # the swap had committed: tamper again for the next trial
            tamper(copy)
            tampered = rows(copy)
    result = run("--db", copy, "rebuild")
    assert result.exit_code == 0, result.output
    assert rows(copy) == clean
    assert not scratch_folder(copy).exists()
    assert _leftovers(copy) == []
    assert _integrity(copy) == "ok"
    print(f"kills at {[round(m, 2) for m in moments]} s; swap committed: {outcomes}")


def test_a_second_rebuild_is_refused_while_one_runs(copy):
    first = _start(copy)
    try:
        db = connect(copy)
        try:  # wait, on the event, until the first holds the lock
            deadline = time.monotonic() + 10
            while not db.execute("SELECT 1 FROM tool_locks WHERE name = 'rebuild'").fetchone():
                assert time.monotonic() < deadline, "the first rebuild never took the lock"
                time.sleep(0.02)
        finally:
            db.close()
        second = run("--db", copy, "rebuild")
        assert second.exit_code == 1
        assert "A rebuild is already running" in second.output
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=60)
    # The killed one left its lock behind; it does not block the next run.
    result = run("--db", copy, "rebuild")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["sheep"])
def test_an_unknown_projection_is_refused_before_anything_is_done(copy, name):
    result = run("--db", copy, "rebuild", "--only", name)
    assert result.exit_code == 1 and f"No projection called {name}" in result.output
