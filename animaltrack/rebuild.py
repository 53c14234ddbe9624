"""`rebuild`: fold every projection again from the log without stopping the server (SPEC §14).

1. Take the `rebuild` lock (a second rebuild is refused; a lock left by a killed one is taken
   over) and clear what a killed run left: its scratch folder beside the database.
2. Copy the log from one read snapshot into a scratch database, noting the log sequence number
   N it had, and fold it there — the live database is only read, the server writes on.
3. In one `BEGIN IMMEDIATE` transaction on the live database: replace the rows of the rebuilt
   projections with the scratch's, then fold in the changes the log received after N (events
   appended, edited or deleted meanwhile: their version at N out, their version now in, through
   the history rule's reconciliation, so the result equals a fold of the whole log).

A crash, kill -9 or Ctrl-C before step 3 commits leaves the live projections as they were (only
the scratch file was written); step 3 is one transaction. Nothing is published to subscribers.

The swap copies rows while holding the write lock, so writers wait for it: a fraction of a
second on a farm's year, longer on a decade of history (BENCHMARKS.md).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from animaltrack.events.model import EVENT_COLUMNS, Event
from animaltrack.events.store import EventStore, json_list
from animaltrack.projections import default_registry
from animaltrack.projections.replay import replay
from animaltrack.scratch import copy_history, read_snapshot
from animaltrack.services import history
from store import connect, transaction
from store.locks import tool_lock
from store.migrations import migrate

Progress = Callable[[str, int, int], None]
# The scratch database's page cache: the fold touches index pages all over a large history.
SCRATCH_CACHE_KIB = 256 * 1024


@dataclass(frozen=True)
class RebuildSummary:
    projections: list[str]
    events: int
    caught_up: int  # changes the log received during the fold, folded in at the swap
    swap_seconds: float  # how long writers waited: the one write transaction of the swap


def scratch_folder(db_path: str | Path) -> Path:
    """Where a rebuild of the database at `db_path` builds; removed when it ends."""
    return Path(f"{db_path}.rebuild")


def rebuild(
    db,
    db_path: str | Path,
    *,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    before_swap: Callable[[], None] | None = None,
) -> RebuildSummary:
    """Rebuild the projections named in `only` (and those they read), or all of them. Raises
    `store.locks.LockHeld` while another rebuild runs."""
    registry = default_registry(db, only)  # refuses unknown names before anything is done
    with tool_lock(db, "rebuild"):
        folder = scratch_folder(db_path)
        shutil.rmtree(folder, ignore_errors=True)  # what a killed run left
        folder.mkdir()
        try:
            path = folder / "scratch.db"
            seq, events = _fold_snapshot(db, path, only, progress)
            if before_swap is not None:
                before_swap()
            began = time.perf_counter()
            caught_up = _swap(db, path, registry, seq)
            swap_seconds = time.perf_counter() - began
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return RebuildSummary([p.NAME for p in registry], events, caught_up, swap_seconds)


def _fold_snapshot(db, path: Path, only, progress: Progress | None) -> tuple[int, int]:
    """Copy the log at one instant into the scratch database and fold it; return the log
    sequence number of that instant and the number of events folded."""
    scratch = connect(path)
    try:
        migrate(scratch)
        scratch.execute(f"PRAGMA cache_size=-{SCRATCH_CACHE_KIB}")
        with read_snapshot(db):
            seq, live = copy_history(db, scratch)
        report = progress or (lambda *_: None)
        folded = replay(
            scratch, default_registry(scratch, only), progress=lambda n: report("fold", n, live)
        )
        scratch.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return seq, folded
    finally:
        scratch.close()


def _swap(db, path: Path, registry, seq: int) -> int:
    """Replace the live rows with the rebuilt ones and fold in what arrived after `seq`, in one
    write transaction; return how many events changed meanwhile."""
    db.execute("ATTACH DATABASE ? AS rebuilt", (str(path),))
    try:
        with transaction(db):
            for table in registry.tables():
                db.execute(f"DELETE FROM main.{table}")
                db.execute(f"INSERT INTO main.{table} SELECT * FROM rebuilt.{table}")
            changed = [
                r[0]
                for r in db.execute(
                    "SELECT DISTINCT event_id FROM main.log_changes WHERE seq > ?", (seq,)
                )
            ]
            if changed:
                then = _live_events(db, "rebuilt", changed)
                now = _live_events(db, "main", changed)
                history.reconcile(db, EventStore(db), registry, removed=then, added=now)
            return len(changed)
    finally:
        db.execute("DETACH DATABASE rebuilt")


def _live_events(db, schema: str, ids: list[str]) -> list[Event]:
    """The events among `ids` that were live in `schema`'s copy of the log, as stored there."""
    columns = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))
    rows = db.execute(
        f"SELECT {columns} FROM {schema}.events e"
        " WHERE e.id IN (SELECT value FROM json_each(?))"
        f" AND e.id NOT IN (SELECT target_event_id FROM {schema}.event_tombstones)"
        " ORDER BY e.ts_utc, e.id",
        (json_list(ids),),
    ).fetchall()
    return [Event.from_row(r) for r in rows]
