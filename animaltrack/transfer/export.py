"""`export`: write the whole history to a file, from one read snapshot (SPEC §14).

The server may keep writing: the export reads inside one read transaction, so the file is the
log as it stood at one instant. Payloads are written in today's shape (read through the
upcasters) and the header says which version that is. Events stream in `(ts_utc, id)` order;
only the few edited or deleted events cost a second look-up, so memory stays flat however long
the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from animaltrack.events.store import EventStore
from animaltrack.events.versions import PAYLOAD_VERSIONS
from animaltrack.scratch import read_snapshot
from animaltrack.transfer.lines import (
    FORMAT_VERSION,
    EventLine,
    HeaderLine,
    ReferenceLine,
    RevisionLine,
    TombstoneLine,
    encode,
)
from store.migrations import REFERENCE_TABLES

# (done, total) every 10 000 events.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportSummary:
    events: int
    revisions: int
    tombstones: int
    reference_rows: int


def export_history(db, out: TextIO, progress: Progress | None = None) -> ExportSummary:
    """Write the header, the reference data and every event with its revisions and tombstone
    to `out`, all read from one snapshot of `db`."""
    store = EventStore(db)
    with read_snapshot(db):
        header = HeaderLine(format=FORMAT_VERSION, payload_versions=PAYLOAD_VERSIONS.header())
        out.write(encode(header))
        reference_rows = _write_reference(db, out)
        (total,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
        revised = {r[0] for r in db.execute("SELECT DISTINCT event_id FROM event_revisions")}
        deleted = {r[0] for r in db.execute("SELECT target_event_id FROM event_tombstones")}
        events = revisions = 0
        for event in store.iter_events(include_tombstoned=True):
            out.write(encode(EventLine.of(event)))
            if event.id in revised:
                for revision in store.revision_records(event.id):
                    out.write(encode(RevisionLine.of(revision)))
                    revisions += 1
            if event.id in deleted:
                out.write(encode(TombstoneLine.of(store.tombstone_record(event.id))))
            events += 1
            if progress is not None and events % 10_000 == 0:
                progress(events, total)
    if progress is not None:
        progress(events, total)
    return ExportSummary(events, revisions, len(deleted), reference_rows)


def _write_reference(db, out: TextIO) -> int:
    count = 0
    for table in REFERENCE_TABLES:
        for row in db[table].rows_where(order_by="rowid"):
            out.write(encode(ReferenceLine(table=table, row=row)))
            count += 1
    return count
