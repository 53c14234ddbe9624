"""`replay --until`: the farm at a past instant, as a database of its own (SPEC §14).

Two questions, two copies of history, both read from one snapshot of the live database:

* **as we now know it** (default): the latest version of every live event that happened by
  `until` (`ts_utc <= until`) — late entries included, deleted events left out;
* **as recorded** (`as_recorded=True`): the log as it stood at `until` — the events recorded by
  then (`recorded_at_utc <= until`, whatever their `ts_utc`), each at the version it had then,
  with the revisions and tombstones written by then — so the projections are what the API
  answered at that moment, the auditor's "what did the system say on that day".

Reference data comes along; tokens and nonces do not. The log sequence is numbered afresh, and
the projections are folded from the copied log. The new file is readable by its owner only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from animaltrack.projections.replay import replay
from animaltrack.scratch import copy_rows, read_snapshot
from store import connect, transaction
from store.files import private_file
from store.migrations import REFERENCE_TABLES, migrate, renumber_log

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReplaySummary:
    path: Path
    events: int
    revisions: int
    tombstones: int
    folded: int


def replay_until(
    db, out: str | Path, until: int, *, as_recorded: bool = False, progress: Progress | None = None
) -> ReplaySummary:
    """Write the farm at `until` to the new database file `out` (refused when it exists)."""
    out = Path(out)
    if not private_file(out):
        raise FileExistsError(f"{out} already exists; choose a new file.")
    target = connect(out)
    try:
        migrate(target)
        with read_snapshot(db):
            for table in REFERENCE_TABLES:
                copy_rows(db, target, table)
            counts = (
                _copy_as_recorded(db, target, until)
                if as_recorded
                else _copy_known(db, target, until)
            )
        with transaction(target):
            renumber_log(target)
        report = progress or (lambda *_: None)
        folded = replay(target, progress=lambda n: report("fold", n, counts[0]))
    finally:
        target.close()
    return ReplaySummary(out, *counts, folded)


def _copy_known(db, target, until: int) -> tuple[int, int, int]:
    where = "WHERE ts_utc <= ? AND id NOT IN (SELECT target_event_id FROM event_tombstones)"
    return copy_rows(db, target, "events", where, (until,)), 0, 0


def _copy_as_recorded(db, target, until: int) -> tuple[int, int, int]:
    """Each event recorded by `until` at the version it had then: the revision written after
    `until` with the lowest version holds it; with none, the event's current row does."""
    events = copy_rows(db, target, "events", "WHERE recorded_at_utc <= ?", (until,))
    then = db.execute(
        "SELECT event_id, MIN(version) FROM event_revisions WHERE edited_at_utc > ?"
        " AND event_id IN (SELECT id FROM events WHERE recorded_at_utc <= ?) GROUP BY event_id",
        (until, until),
    ).fetchall()
    with transaction(target):
        for event_id, version in then:
            row = db.execute(
                "SELECT ts_utc, actor, entity_refs, payload, payload_version FROM event_revisions"
                " WHERE event_id = ? AND version = ?",
                (event_id, version),
            ).fetchone()
            target.execute(
                "UPDATE events SET ts_utc = ?, actor = ?, entity_refs = ?, payload = ?,"
                " payload_version = ?, version = ? WHERE id = ?",
                (*row, version, event_id),
            )
    revisions = copy_rows(
        db,
        target,
        "event_revisions",
        "WHERE edited_at_utc <= ?"
        " AND event_id IN (SELECT id FROM events WHERE recorded_at_utc <= ?)",
        (until, until),
    )
    tombstones = copy_rows(db, target, "event_tombstones", "WHERE ts_utc <= ?", (until,))
    return events, revisions, tombstones
