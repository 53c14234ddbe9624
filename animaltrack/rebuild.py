"""`rebuild`: build every projection again from the log without stopping the server (SPEC §14).

1. Take the `rebuild` lock (a second rebuild is refused; a lock left by a killed one is taken
   over) and clear what a killed run left: its scratch folder beside the database, and shadow
   or retired tables in it (`store.shadow`).
2. Build the projections into a scratch database from one snapshot of the log, noting the log
   sequence number N it had (`animaltrack.scratch.built_from_log`): the live database is only
   read, the server writes on.
3. Create empty twins of the rebuilt tables in the live database (same definitions) and copy
   the scratch's rows into them in many short transactions, so writers wait a few milliseconds
   at a time; then create the twins' indexes (one transaction each, the longest wait writers
   see: about a second per million rows) and triggers.
4. Catch the twins up, in short transactions, with the events appended after N that are the
   newest of all (what writers record as it happens), applied to the twins as the live path
   applies them (projections write to the tables named at construction).
5. In one `BEGIN IMMEDIATE` transaction: rename the live tables aside and the twins into their
   place, then fold in the rest of the changes (backdated appends, edits, deletes, and what came
   during step 4: their version then out, their version now in, through the history rule's
   reconciliation, so the result equals a fold of the whole log). Renaming costs the same
   whatever the number of rows.
6. Drop the retired tables, one short transaction each, and the scratch folder.

A crash, kill -9 or Ctrl-C before step 5 commits leaves the live projections as they were;
after, they are the rebuilt ones; either way the next run clears the leftovers. Nothing is
published to subscribers.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from animaltrack.events.model import Event
from animaltrack.events.store import APPENDED, EventStore
from animaltrack.projections import default_registry
from animaltrack.scratch import built_from_log, database_path, open_scratch
from animaltrack.services import history
from store import connect, transaction
from store.locks import tool_lock
from store.shadow import (
    copy_statements,
    create_shadows,
    drop_leftovers,
    shadow_name,
    swap_in,
)

Progress = Callable[[str, int, int], None]
# Copying into the twins holds the write lock this long at a time, then leaves it as long.
STAGE_HOLD_S = 0.02
STAGE_ROWS = 1_000
# The swap folds in at most about this many changes; the twins catch up on the rest before.
SWAP_BACKLOG = 20


@dataclass(frozen=True)
class RebuildSummary:
    projections: list[str]
    events: int
    caught_up: int  # events the log changed during the build, folded in before or at the swap
    at_swap: int  # of those, the ones folded in at the swap
    swap_seconds: float  # how long writers waited at once: the one transaction of the swap


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
    tables = registry.tables()
    twins = [*tables, *(p.names[r] for p in registry for r in p.RTREES)]
    report = progress or (lambda *_: None)
    with tool_lock(db, "rebuild"):
        folder = scratch_folder(db_path)
        shutil.rmtree(folder, ignore_errors=True)  # what a killed run left
        drop_leftovers(db)
        folder.mkdir()
        try:
            path = folder / "scratch.db"
            seq, events = _build(db, path, only, report)
            with transaction(db):
                finishing = create_shadows(db, twins)
            _stage(db, path, twins, report)
            _finish_twins(db, finishing, report)
            twin_registry = default_registry(db, only, {t: shadow_name(t) for t in twins})
            seq, early = _catch_up_twins(db, twin_registry, seq, report)
            if before_swap is not None:
                before_swap()
            began = time.perf_counter()
            with transaction(db):
                swap_in(db, twins)
                at_swap = _catch_up(db, registry, seq)
            swap_seconds = time.perf_counter() - began
            drop_leftovers(db)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    names = [p.NAME for p in registry]
    return RebuildSummary(names, events, early + at_swap, at_swap, swap_seconds)


def _build(db, path: Path, only, progress: Progress) -> tuple[int, int]:
    """Build the projections into a scratch database at `path` from one snapshot of the log;
    return the log sequence number of that instant and the number of events built from."""
    scratch = open_scratch(path)
    try:
        with built_from_log(scratch, database_path(db), only=only, progress=progress) as built:
            pass
        return built.seq, built.events
    finally:
        scratch.close()


def _stage(db, path: Path, tables: list[str], progress: Progress) -> None:
    """Copy the scratch's rows into the live database's twins in short write transactions,
    pausing after each as long as it held the lock: a writer waiting in SQLite's busy handler
    polls every few milliseconds, and must find the lock free at one of its polls."""
    scratch = connect(path)
    try:
        counts = {t: scratch.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
        total, done = sum(counts.values()), 0
        for table in tables:
            select, insert = copy_statements(scratch, table, f"main.{shadow_name(table)}")
            cursor = scratch.execute(select)
            rows = cursor.fetchmany(STAGE_ROWS)
            while rows:
                began = time.perf_counter()
                with transaction(db):
                    while rows and time.perf_counter() - began < STAGE_HOLD_S:
                        db.conn.executemany(insert, rows)
                        done += len(rows)
                        rows = cursor.fetchmany(STAGE_ROWS)
                held = time.perf_counter() - began
                progress("stage", done, total)
                time.sleep(held)
    finally:
        scratch.close()


def _finish_twins(db, statements: list[str], progress: Progress) -> None:
    """Create the twins' indexes, then their triggers, one transaction each, pausing between."""
    for done, statement in enumerate(statements, start=1):
        began = time.perf_counter()
        with transaction(db):
            db.execute(statement)
        progress("index", done, len(statements))
        time.sleep(time.perf_counter() - began)


def _catch_up_twins(db, registry, seq: int, progress: Progress) -> tuple[int, int]:
    """Apply to the twins, in log order and short transactions, the changes after `seq` that
    append an event later than everything before it; stop at the first other change (it is
    folded in at the swap) or when few are left. Return the sequence number reached and how
    many events were applied."""
    store = EventStore(db)
    newest = _newest_ts(db, seq)
    applied, backlogs = 0, []
    while True:
        changes = store.changes_after(seq, limit=200)
        backlogs.append(store.last_seq() - seq)
        if len(changes) <= SWAP_BACKLOG or _not_shrinking(backlogs):
            return seq, applied
        began, blocked = time.perf_counter(), False
        with transaction(db):
            for change in changes:
                if time.perf_counter() - began > STAGE_HOLD_S:
                    break
                event = _newest_append(store, change, newest)
                if event is None:
                    blocked = True
                    break
                registry.apply(event)
                newest, seq, applied = event.ts_utc, change.seq, applied + 1
        progress("catch up", applied, applied + store.last_seq() - seq)
        if blocked:
            return seq, applied
        time.sleep(time.perf_counter() - began)


def _not_shrinking(backlogs: list[int], rounds: int = 20) -> bool:
    """True when the backlog has not shrunk over the last `rounds` rounds: writers outpace the
    catch-up, so the swap takes what is left rather than waiting for ever."""
    return len(backlogs) > rounds and backlogs[-1] >= backlogs[-1 - rounds]


def _newest_append(store: EventStore, change, newest: int) -> Event | None:
    """The event `change` appends, as it was then, when it is later than `newest`."""
    if change.kind != APPENDED:
        return None
    events = store.live_at([change.event_id], change.seq)
    if not events or events[0].ts_utc <= newest:
        return None
    return events[0]


def _newest_ts(db, seq: int) -> int:
    """The latest `ts_utc` any version of an event appended by `seq` has had."""
    (newest,) = db.execute(
        """
        SELECT MAX(ts) FROM (
          SELECT e.ts_utc AS ts FROM events e WHERE e.id IN
            (SELECT event_id FROM log_changes WHERE kind = 'APPENDED' AND seq <= :seq)
          UNION ALL
          SELECT r.ts_utc FROM event_revisions r WHERE r.event_id IN
            (SELECT event_id FROM log_changes WHERE kind = 'APPENDED' AND seq <= :seq))
        """,
        {"seq": seq},
    ).fetchone()
    return newest if newest is not None else -(2**62)


def _catch_up(db, registry, seq: int) -> int:
    """Fold in what the log received after `seq`; return how many events changed meanwhile."""
    changed = [
        r[0]
        for r in db.execute("SELECT DISTINCT event_id FROM main.log_changes WHERE seq > ?", (seq,))
    ]
    if changed:
        store = EventStore(db)
        then, now = store.live_at(changed, seq), store.events_by_ids(changed)
        history.reconcile(db, store, registry, removed=then, added=now)
    return len(changed)
