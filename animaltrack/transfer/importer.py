"""`import`: load a history file into a new database, checking it as the history rule checks a
history (SPEC §6.3, §14).

The whole import is one write transaction: reference rows first, then every event, upcast to
today's payload version and checked against its model. Each live event is then checked by the
rules the services use (`rules.check_event`) against the history before it, read from the
in-memory state of the batch fold (`MemoryFarmState`), and folded. Only the rules of history
apply: the refusals made when a command is first recorded (a collection with no producer, a
time in the future of the clock) do not — a valid history may hold a collection whose producers
a later correction took away. At the end the batch builds write the projections, the log
sequence is numbered, and the transaction commits. A line that is malformed, of an unknown
kind or type, out of order, refused by its model or breaking a rule stops the import with its
number, and the rollback leaves the database as it was.

The file is read as a stream. The fold's state grows with the farm (its animals, its rows),
not with the file's lines: rows are written in batches and only the event being read is held,
with its revisions and tombstone (which follow it in the file, and say whether it is live).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError as LineInvalid

from animaltrack.errors import AnimalTrackError, HistoryFileError
from animaltrack.events.model import Event, Revision, Tombstone
from animaltrack.events.payloads import PAYLOAD_TYPES, build_payload, dump_payload
from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.events.store import EventStore
from animaltrack.events.versions import PAYLOAD_VERSIONS
from animaltrack.projections import default_registry
from animaltrack.projections.state import MemoryFarmState
from animaltrack.services import rules
from animaltrack.transfer.lines import (
    FORMAT_VERSION,
    LINE_KINDS,
    EventLine,
    HeaderLine,
    Line,
    ReferenceLine,
    RevisionLine,
    TombstoneLine,
)
from store import transaction
from store.bulk import indexes_after
from store.migrations import LOG_TABLES, REFERENCE_TABLES, renumber_log

BATCH = 5_000

# (phase, done, total): lines read, of about how many (estimated from the bytes read).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    reference_rows: int
    events: int
    revisions: int
    tombstones: int


@dataclass
class _Group:
    """An event as read so far, with the revisions and tombstone that follow it."""

    line: int
    event: Event
    revisions: list[Revision] = field(default_factory=list)
    tombstone: Tombstone | None = None


def import_history(
    db, lines: Iterable[str], *, size: int = 0, progress: Progress | None = None
) -> ImportSummary:
    """Load the history file whose lines are `lines` into the migrated, empty `db` in one
    transaction; `size` (the file's bytes, for progress) is optional. Raises
    `HistoryFileError` naming the first line at fault, having written nothing."""
    _require_empty(db)
    loader = _Loader(db, size, progress)
    with transaction(db):
        with indexes_after(db, [*loader.registry.tables(), *LOG_TABLES]):
            loader.load(lines)
        renumber_log(db)
    return loader.summary()


def _require_empty(db) -> None:
    for table in (*REFERENCE_TABLES, "events"):
        if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise HistoryFileError(
                "the database already holds a farm (reference data or events); import into a"
                " new database file",
                0,
            )


class _Loader:
    def __init__(self, db, size: int, progress: Progress | None):
        self.db = db
        self.store = EventStore(db)
        self.registry = default_registry(db)
        self.build = self.registry.batches()
        self.farm = MemoryFarmState(self.build, db)
        self.size, self.progress, self.read_bytes = size, progress, 0
        self.line = 0
        self.versions: dict[str, int] | None = None
        self.group: _Group | None = None
        self.last_key: tuple[int, str] | None = None
        self.events: list[tuple[int, Event]] = []
        self.revisions: list[Revision] = []
        self.tombstones: list[tuple[int, Tombstone]] = []
        self.types: dict[str, str] = {}
        self.counts = {"reference": 0, "event": 0, "revision": 0, "tombstone": 0}

    def summary(self) -> ImportSummary:
        c = self.counts
        return ImportSummary(self.line, c["reference"], c["event"], c["revision"], c["tombstone"])

    def fail(self, message: str, line: int | None = None) -> HistoryFileError:
        return HistoryFileError(message, self.line if line is None else line)

    # -- reading -----------------------------------------------------------------------------

    def load(self, lines: Iterable[str]) -> None:
        for self.line, text in enumerate(lines, 1):
            line = self.parse(text)
            if isinstance(line, HeaderLine):
                self.header(line)
            elif self.versions is None:
                raise self.fail("the file must begin with its header line")
            elif isinstance(line, ReferenceLine):
                self.reference(line)
            elif isinstance(line, EventLine):
                self.event(line)
            elif isinstance(line, RevisionLine):
                self.revision(line)
            else:
                self.tombstone(line)
            self.report(len(text))
        if self.versions is None:
            raise self.fail("the file is empty: it has no header line", 0)
        self.close_group()
        self.flush()
        self.build.finish()
        self.report(0, final=True)

    def parse(self, text: str) -> Line:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise self.fail(f"not a JSON object ({error.msg} at column {error.colno})") from None
        if not isinstance(data, dict):
            raise self.fail("not a JSON object")
        kind = data.get("kind")
        model = LINE_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            known = ", ".join(LINE_KINDS)
            raise self.fail(f"unknown kind {kind!r} (a line is one of: {known})")
        try:
            return model.model_validate(data)
        except LineInvalid as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise self.fail(f"{kind} line: {where}: {first['msg']}") from None

    def header(self, line: HeaderLine) -> None:
        if self.line != 1:
            raise self.fail("a second header line")
        if line.format != FORMAT_VERSION:
            raise self.fail(f"format {line.format} is not {FORMAT_VERSION}, the one this reads")
        for event_type, version in line.payload_versions.items():
            if event_type not in PAYLOAD_TYPES:
                raise self.fail(f"unknown event type {event_type!r} in the header")
            if version > PAYLOAD_VERSIONS.version_of(event_type):
                raise self.fail(
                    f"{event_type} payloads are at version {version}, newer than this program"
                    f" reads ({PAYLOAD_VERSIONS.version_of(event_type)}); upgrade AnimalTrack"
                )
        self.versions = dict(line.payload_versions)

    def reference(self, line: ReferenceLine) -> None:
        if self.group is not None:
            raise self.fail("reference data must come before the first event")
        if line.table not in REFERENCE_TABLES:
            raise self.fail(f"unknown reference table {line.table!r}")
        columns = set(self.db[line.table].columns_dict)
        if unknown := sorted(set(line.row) - columns):
            raise self.fail(f"table {line.table} has no column {unknown[0]!r}")
        names = list(line.row)
        try:
            self.db.execute(
                f"INSERT INTO {line.table} ({', '.join(names)})"
                f" VALUES ({', '.join('?' for _ in names)})",
                [line.row[name] for name in names],
            )
        except sqlite3.Error as error:
            raise self.fail(f"the {line.table} row is refused: {error}") from None
        self.counts["reference"] += 1

    def event(self, line: EventLine) -> None:
        event_type = self.known_type(line.type)
        payload = self.payload(event_type, line.payload)
        created = self.created_ids(event_type, line.entity_refs)
        event = Event(
            id=line.id,
            type=event_type,
            ts_utc=line.ts_utc,
            actor=line.actor,
            entity_refs=facts_refs(event_type, payload, created),
            payload=payload,
            version=line.version,
            recorded_at_utc=line.recorded_at_utc,
        )
        if self.last_key is not None and event.order_key <= self.last_key:
            raise self.fail(
                f"event {event.id} at {event.ts_utc} is out of order: events are in (ts_utc, id)"
                f" order, and the one before it is {self.last_key[1]} at {self.last_key[0]}"
            )
        self.close_group()
        self.last_key = event.order_key
        self.group = _Group(self.line, event)

    def revision(self, line: RevisionLine) -> None:
        group = self.group
        if group is None or line.event_id != group.event.id or group.tombstone is not None:
            raise self.fail(f"a revision of {line.event_id} must follow its event")
        expected = len(group.revisions) + 1
        if line.version != expected or line.version >= group.event.version:
            raise self.fail(
                f"revision {line.version} of {line.event_id}: expected version {expected} of an"
                f" event at version {group.event.version}"
            )
        payload = self.payload(group.event.type, line.payload)
        created = self.created_ids(group.event.type, line.entity_refs)
        group.revisions.append(
            Revision(
                event_id=line.event_id,
                version=line.version,
                ts_utc=line.ts_utc,
                actor=line.actor,
                entity_refs=facts_refs(group.event.type, payload, created),
                payload=payload,
                edited_at_utc=line.edited_at_utc,
                edited_by=line.edited_by,
            )
        )

    def tombstone(self, line: TombstoneLine) -> None:
        group = self.group
        if group is None or line.target_event_id != group.event.id or group.tombstone:
            raise self.fail(f"the tombstone of {line.target_event_id} must follow its event")
        group.tombstone = Tombstone(
            line.id, line.ts_utc, line.actor, line.target_event_id, line.reason
        )
        self.tombstones.append((self.line, group.tombstone))

    # -- what a line holds -------------------------------------------------------------------

    def known_type(self, event_type: str) -> str:
        if event_type not in PAYLOAD_TYPES:
            raise self.fail(f"unknown event type {event_type!r}")
        if event_type not in self.versions:
            raise self.fail(f"the header gives no payload version for {event_type}")
        return event_type

    def payload(self, event_type: str, payload: dict) -> dict:
        """The payload upcast from the file's version to today's, checked by its model."""
        try:
            today = PAYLOAD_VERSIONS.upcast(event_type, payload, self.versions[event_type])
            return dump_payload(build_payload(PAYLOAD_TYPES[event_type], **today))
        except AnimalTrackError as error:
            raise self.fail(f"{event_type} payload refused: {error.message}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise self.fail(f"{event_type} payload cannot be upcast: {error}") from None

    def created_ids(self, event_type: str, refs: dict) -> list[str]:
        try:
            return created_animal_ids(event_type, refs)
        except (TypeError, AttributeError):
            raise self.fail(f"the entity_refs of this {event_type} are malformed") from None

    # -- checking and writing ------------------------------------------------------------------

    def close_group(self) -> None:
        """The event above is complete: check and fold it if it is live, queue its rows."""
        group, self.group = self.group, None
        if group is None:
            return
        event = group.event
        if len(group.revisions) != event.version - 1:
            raise self.fail(
                f"event {event.id} is at version {event.version} but {len(group.revisions)}"
                " revision(s) follow it",
                group.line,
            )
        if group.tombstone is None:
            try:
                rules.check_event(self.farm, event)
            except AnimalTrackError as error:
                raise self.fail(
                    f"{event.type} {event.id} breaks the history: {error.message}", group.line
                ) from None
            self.build.add(event)
        self.events.append((group.line, event))
        self.revisions.extend(group.revisions)
        self.types[event.id] = event.type
        if len(self.events) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows; a repeated id is found by how many rows went in."""
        self.insert(self.events, self.store.store_recorded, "event id")
        self.counts["revision"] += self.store.store_revisions(self.revisions, self.types)
        self.insert(self.tombstones, self.store.store_tombstones, "tombstone id")
        self.events, self.revisions, self.tombstones, self.types = [], [], [], {}

    def insert(self, queued: list[tuple[int, object]], write, what: str) -> None:
        before = self.db.conn.total_changes
        try:
            write([item for _, item in queued])
        except sqlite3.IntegrityError:
            failed = queued[self.db.conn.total_changes - before]
            raise self.fail(f"{what} {failed[1].id} appears twice", failed[0]) from None
        kind = "event" if what == "event id" else "tombstone"
        self.counts[kind] += len(queued)

    def report(self, length: int, final: bool = False) -> None:
        """Progress in lines; the total is estimated from the bytes read so far."""
        self.read_bytes += length
        if self.progress is not None and (final or self.line % 10_000 == 0):
            total = self.line if final else int(self.line * max(self.size, 1) / self.read_bytes)
            self.progress("import", self.line, max(total, self.line))
