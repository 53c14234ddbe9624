"""`EventStore`: the only code that writes `events`, its revisions, tombstones and log sequence.

Appends enforce the log's own rules (SPEC §4): the clock-skew limit, a non-empty actor, and event
ids that grow strictly, so `(ts_utc, id)` orders events at equal times by recording order. The
store joins the caller's transaction; services open it (`store.transaction`).

What an event refers to is stored as facts only (`events.refs.facts_refs`, SPEC §1.9): whatever
refs a caller passes, only the ids a creating event makes are kept from them. Every change to the
log — an append, a new version, a tombstone — is also written as one row of `log_changes`
(SPEC §4), so a reader that has seen everything up to a sequence number catches up by reading the
rows after it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from animaltrack.errors import ClockSkewError, NotFoundError, ValidationError
from animaltrack.events.ids import successor, ulid_factory
from animaltrack.events.model import (
    EVENT_COLUMNS,
    REVISION_COLUMNS,
    TOMBSTONE_COLUMNS,
    Event,
    Revision,
    Tombstone,
)
from animaltrack.events.payloads import Payload, dump_payload
from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.events.versions import version_of

MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

# The kinds of change the log sequence records (SPEC §4).
APPENDED, EDITED, DELETED = "APPENDED", "EDITED", "DELETED"


@dataclass(frozen=True)
class LogChange:
    """One change to the log: which event, at which version, when the server wrote it."""

    seq: int
    kind: str
    event_id: str
    version: int
    at_utc: int
    # The locations the change is about, as its transaction left them (`note_places`); None
    # for a change recorded before m011 or imported, whose places are read from the event.
    places: tuple[str, ...] | None = None


_LIVE = "id NOT IN (SELECT target_event_id FROM event_tombstones)"


_INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _event_row(event: Event, entity_refs: dict[str, Any] | None = None) -> tuple:
    """The stored row of an event whose payload is in today's shape (with these refs)."""
    return (
        event.id,
        event.type,
        event.ts_utc,
        event.actor,
        json.dumps(event.entity_refs if entity_refs is None else entity_refs),
        json.dumps(event.payload),
        event.version,
        event.recorded_at_utc,
        version_of(event.type),
    )


def system_clock_ms() -> int:
    return int(time.time() * 1000)


def json_list(values: Iterable[str]) -> str:
    """Pass a list of ids as one parameter, read back with `json_each(?)`."""
    return json.dumps(list(values))


class EventStore:
    """Append, fetch and list events."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        clock: Callable[[], int] | None = None,
        new_id: Callable[[], str] | None = None,
    ):
        self.db = db
        self.clock = clock or system_clock_ms
        self.new_id = new_id or ulid_factory(self.clock)

    # -- writing ---------------------------------------------------------------------------

    def append_event(
        self,
        type: str,
        ts_utc: int,
        actor: str,
        entity_refs: dict[str, Any],
        payload: dict[str, Any] | Payload,
    ) -> Event:
        """Append one event; the caller holds the write transaction."""
        now = self.clock()
        self.check_time(ts_utc, now)
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError("every event needs the name of who recorded it", field="actor")
        if isinstance(payload, Payload):
            payload = dump_payload(payload)
        entity_refs = facts_refs(type, payload, created_animal_ids(type, entity_refs))
        event = Event(
            id=self._next_id(),
            type=type,
            ts_utc=ts_utc,
            actor=actor,
            entity_refs=entity_refs,
            payload=payload,
            version=1,
            recorded_at_utc=now,
        )
        self.db.execute(_INSERT_EVENT, _event_row(event))
        self._sequence(APPENDED, event.id, event.version, now)
        return event

    def store_recorded(self, events: Iterable[Event]) -> int:
        """Write events recorded elsewhere as they were — ids, times, versions and recording
        times kept, refs reduced to facts, payloads at today's version (they were read through
        the upcasters) — for an import or a hand-made history. No clock rule applies: they
        were recorded when they were. The log sequence is not written; the caller numbers it
        (`store.migrations.renumber_log`) once the log is complete."""
        rows = [
            _event_row(
                event,
                facts_refs(
                    event.type, event.payload, created_animal_ids(event.type, event.entity_refs)
                ),
            )
            for event in events
        ]
        self.db.conn.executemany(_INSERT_EVENT, rows)
        return len(rows)

    def store_revisions(self, revisions: Iterable[Revision], types: dict[str, str]) -> int:
        """Write prior versions recorded elsewhere as they were (see `store_recorded`);
        `types` gives each revised event's type, which says its payload's version."""
        rows = [
            (
                r.event_id,
                r.version,
                r.ts_utc,
                r.actor,
                json.dumps(r.entity_refs),
                json.dumps(r.payload),
                r.edited_at_utc,
                r.edited_by,
                version_of(types[r.event_id]),
            )
            for r in revisions
        ]
        self.db.conn.executemany(
            "INSERT INTO event_revisions (event_id, version, ts_utc, actor, entity_refs, payload,"
            " edited_at_utc, edited_by, payload_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return len(rows)

    def store_tombstones(self, tombstones: Iterable[Tombstone]) -> int:
        """Write tombstones recorded elsewhere as they were (see `store_recorded`)."""
        rows = [dataclasses.astuple(tombstone) for tombstone in tombstones]
        self.db.conn.executemany(
            f"INSERT INTO event_tombstones ({TOMBSTONE_COLUMNS}) VALUES (?, ?, ?, ?, ?)", rows
        )
        return len(rows)

    def check_time(self, ts_utc: int, now: int | None = None) -> None:
        """Refuse a time more than 5 minutes in the future of the store's clock."""
        now = self.clock() if now is None else now
        if not isinstance(ts_utc, int) or ts_utc < 0:
            raise ValidationError("the time must be a whole number of milliseconds", "ts_utc")
        if ts_utc > now + MAX_CLOCK_SKEW_MS:
            raise ClockSkewError(
                "That time is in the future: events can be at most 5 minutes ahead of the "
                "server's clock. Check the device's clock."
            )

    def replace_event(
        self,
        event: Event,
        *,
        ts_utc: int,
        payload: dict[str, Any],
        edited_by: str,
    ) -> Event:
        """Write a new version of `event`; the old one goes to `event_revisions` (SPEC §12).
        The ids the event created stay with it; the other refs follow the new payload."""
        now = self.clock()
        self.check_time(ts_utc, now)
        # The prior version is kept as it is stored, at the payload version it was written in.
        self.db.execute(
            "INSERT INTO event_revisions (event_id, version, ts_utc, actor, entity_refs, payload,"
            " payload_version, edited_at_utc, edited_by)"
            " SELECT id, version, ts_utc, actor, entity_refs, payload, payload_version, ?, ?"
            " FROM events WHERE id = ? AND version = ?",
            (now, edited_by, event.id, event.version),
        )
        new = Event(
            id=event.id,
            type=event.type,
            ts_utc=ts_utc,
            actor=event.actor,
            entity_refs=facts_refs(
                event.type, payload, created_animal_ids(event.type, event.entity_refs)
            ),
            payload=payload,
            version=event.version + 1,
            recorded_at_utc=event.recorded_at_utc,
        )
        self.db.execute(
            "UPDATE events SET ts_utc = ?, entity_refs = ?, payload = ?, version = ?,"
            " payload_version = ? WHERE id = ?",
            (
                new.ts_utc,
                json.dumps(new.entity_refs),
                json.dumps(new.payload),
                new.version,
                version_of(new.type),
                new.id,
            ),
        )
        self._sequence(EDITED, new.id, new.version, now)
        return new

    def tombstone(self, event: Event, *, actor: str, reason: str | None) -> str:
        """Mark `event` deleted; it stays in `events` but leaves every projection."""
        tombstone_id = self._next_tombstone_id()
        now = self.clock()
        self.db.execute(
            "INSERT INTO event_tombstones (id, ts_utc, actor, target_event_id, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (tombstone_id, now, actor, event.id, reason),
        )
        self._sequence(DELETED, event.id, event.version, now)
        return tombstone_id

    def _sequence(self, kind: str, event_id: str, version: int, at_utc: int) -> None:
        self.db.execute(
            "INSERT INTO log_changes (kind, event_id, version, at_utc) VALUES (?, ?, ?, ?)",
            (kind, event_id, version, at_utc),
        )

    def note_places(self, seq: int, places: Iterable[str]) -> None:
        """Keep with change `seq` the locations it is about, for the subscribers of every
        process (`animaltrack.queries.log.published_after`); written in its transaction."""
        self.db.execute(
            "UPDATE log_changes SET places = ? WHERE seq = ?", (json.dumps(list(places)), seq)
        )

    def changes_after(self, seq: int, limit: int | None = None) -> list[LogChange]:
        """The log's changes after sequence number `seq`, oldest first (at most `limit`)."""
        rows = self.db.execute(
            "SELECT seq, kind, event_id, version, at_utc, places FROM log_changes WHERE seq > ?"
            " ORDER BY seq LIMIT ?",
            (seq, -1 if limit is None else limit),
        ).fetchall()
        return [
            LogChange(*row[:5], None if row[5] is None else tuple(json.loads(row[5])))
            for row in rows
        ]

    def last_seq(self) -> int:
        """The newest sequence number (0 for an empty log)."""
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM log_changes").fetchone()[0]

    def _next_id(self) -> str:
        candidate = self.new_id().upper()
        (latest,) = self.db.execute("SELECT MAX(id) FROM events").fetchone()
        if latest is not None and candidate <= latest:
            candidate = successor(latest)
        return candidate

    def _next_tombstone_id(self) -> str:
        candidate = self.new_id().upper()
        (latest,) = self.db.execute("SELECT MAX(id) FROM event_tombstones").fetchone()
        if latest is not None and candidate <= latest:
            candidate = successor(latest)
        return candidate

    # -- reading ---------------------------------------------------------------------------

    def get_event(self, event_id: str) -> Event:
        """The latest version of an event (tombstoned or not); `NotFoundError` when unknown."""
        row = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id.upper(),)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"There is no event {event_id}.")
        return Event.from_row(row)

    def is_tombstoned(self, event_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM event_tombstones WHERE target_event_id = ?", (event_id.upper(),)
        ).fetchone()
        return row is not None

    def list_events(
        self,
        types: Iterable[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        include_tombstoned: bool = False,
    ) -> list[Event]:
        """Events in `(ts_utc, id)` order; `since` and `until` are inclusive bounds on ts_utc."""
        return list(self.iter_events(types, since, until, include_tombstoned))

    def iter_events(
        self,
        types: Iterable[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        include_tombstoned: bool = False,
        *,
        schema: str = "main",
    ) -> Iterator[Event]:
        """Like `list_events`, one at a time; `schema` names the database holding the log (an
        attached one, for a tool building elsewhere)."""
        where, params = [], []
        if types is not None:
            where.append("type IN (SELECT value FROM json_each(?))")
            params.append(json_list(types))
        if since is not None:
            where.append("ts_utc >= ?")
            params.append(since)
        if until is not None:
            where.append("ts_utc <= ?")
            params.append(until)
        if not include_tombstoned:
            where.append(f"id NOT IN (SELECT target_event_id FROM {schema}.event_tombstones)")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        cursor = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM {schema}.events {clause} ORDER BY ts_utc, id", params
        )
        for row in cursor:
            yield Event.from_row(row)

    def events_by_ids(self, event_ids: Iterable[str]) -> list[Event]:
        """Live events with those ids, in `(ts_utc, id)` order."""
        rows = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))"
            f" AND {_LIVE} ORDER BY ts_utc, id",
            (json_list(event_ids),),
        ).fetchall()
        return [Event.from_row(r) for r in rows]

    def live_at(self, event_ids: Iterable[str], seq: int) -> list[Event]:
        """The events among `event_ids` that were live when the log stood at sequence number
        `seq`, each at the version it had then, in `(ts_utc, id)` order."""
        rows = self.db.execute(
            """
            WITH at_seq AS (
              SELECT event_id, MAX(version) AS version, MAX(kind = 'DELETED') AS deleted
              FROM log_changes WHERE seq <= :seq
                AND event_id IN (SELECT value FROM json_each(:ids))
              GROUP BY event_id)
            SELECT e.id, e.type, COALESCE(r.ts_utc, e.ts_utc), e.actor,
                   COALESCE(r.entity_refs, e.entity_refs), COALESCE(r.payload, e.payload),
                   at_seq.version, e.recorded_at_utc,
                   COALESCE(r.payload_version, e.payload_version)
            FROM at_seq JOIN events e ON e.id = at_seq.event_id
            LEFT JOIN event_revisions r
              ON r.event_id = at_seq.event_id AND r.version = at_seq.version
             AND e.version <> at_seq.version
            WHERE NOT at_seq.deleted
            ORDER BY 3, 1
            """,
            {"seq": seq, "ids": json_list(event_ids)},
        ).fetchall()
        return [Event.from_row(r) for r in rows]

    def events_of_types_naming(
        self, types: Iterable[str], key: str, values: Iterable[str], since: tuple[int, str]
    ) -> list[Event]:
        """Live events of these types at or after `since` (a `(ts_utc, id)` key) whose payload
        names one of `values` under `key` (a location, a feed type). Few events are of the
        asked types, so this drives from the `(type, ts_utc)` index and reads the facts."""
        rows = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events"
            " WHERE type IN (SELECT value FROM json_each(:types))"
            " AND (ts_utc > :ts OR (ts_utc = :ts AND id >= :id))"
            " AND json_extract(payload, '$.' || :key) IN (SELECT value FROM json_each(:values))"
            f" AND {_LIVE} ORDER BY ts_utc, id",
            {
                "types": json_list(types),
                "ts": since[0],
                "id": since[1],
                "key": key,
                "values": json_list(values),
            },
        ).fetchall()
        return [Event.from_row(r) for r in rows]

    def revisions(self, event_id: str) -> list[dict[str, Any]]:
        """Prior versions of an edited event, oldest first, as plain dicts."""
        return [dataclasses.asdict(r) for r in self.revision_records(event_id)]

    def revision_records(self, event_id: str) -> list[Revision]:
        """Prior versions of an edited event, oldest first, payloads in today's shape."""
        rows = self.db.execute(
            f"SELECT {REVISION_COLUMNS} FROM event_revisions r JOIN events e ON e.id = r.event_id"
            " WHERE r.event_id = ? ORDER BY r.version",
            (event_id.upper(),),
        ).fetchall()
        return [Revision.from_row(row) for row in rows]

    def tombstone_of(self, event_id: str) -> dict[str, Any] | None:
        """The tombstone of a deleted event as a plain dict, or None."""
        record = self.tombstone_record(event_id)
        return None if record is None else dataclasses.asdict(record)

    def tombstone_record(self, event_id: str) -> Tombstone | None:
        """The tombstone of a deleted event, or None."""
        row = self.db.execute(
            f"SELECT {TOMBSTONE_COLUMNS} FROM event_tombstones WHERE target_event_id = ?",
            (event_id.upper(),),
        ).fetchone()
        return None if row is None else Tombstone(*row)
