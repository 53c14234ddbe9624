"""`EventStore`: the only code that writes `events`, its revisions, tombstones and reference index.

Appends enforce the log's own rules (SPEC §4): the clock-skew limit, a non-empty actor, and event
ids that grow strictly, so `(ts_utc, id)` orders events at equal times by recording order. The
store joins the caller's transaction; services open it (`store.transaction`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlite_utils

from animaltrack.errors import ClockSkewError, NotFoundError, ValidationError
from animaltrack.events.ids import successor, ulid_factory
from animaltrack.events.model import EVENT_COLUMNS, Event
from animaltrack.events.payloads import Payload, dump_payload

MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
_LIVE = "id NOT IN (SELECT target_event_id FROM event_tombstones)"


def system_clock_ms() -> int:
    return int(time.time() * 1000)


def json_list(values: Iterable[str]) -> str:
    """Pass a list of ids as one parameter, read back with `json_each(?)`."""
    return json.dumps(list(values))


class EventStore:
    """Append, fetch and list events; keep the log's reference index in step."""

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
        self.db.execute(
            f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.id,
                event.type,
                event.ts_utc,
                event.actor,
                json.dumps(event.entity_refs),
                json.dumps(event.payload),
                event.version,
                event.recorded_at_utc,
            ),
        )
        self._index(event)
        return event

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
        entity_refs: dict[str, Any],
        edited_by: str,
    ) -> Event:
        """Write a new version of `event`; the old one goes to `event_revisions` (SPEC §12)."""
        now = self.clock()
        self.check_time(ts_utc, now)
        self.db.execute(
            "INSERT INTO event_revisions (event_id, version, ts_utc, actor, entity_refs, payload,"
            " edited_at_utc, edited_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.id,
                event.version,
                event.ts_utc,
                event.actor,
                json.dumps(event.entity_refs),
                json.dumps(event.payload),
                now,
                edited_by,
            ),
        )
        new = Event(
            id=event.id,
            type=event.type,
            ts_utc=ts_utc,
            actor=event.actor,
            entity_refs=entity_refs,
            payload=payload,
            version=event.version + 1,
            recorded_at_utc=event.recorded_at_utc,
        )
        self.db.execute(
            "UPDATE events SET ts_utc = ?, entity_refs = ?, payload = ?, version = ? WHERE id = ?",
            (new.ts_utc, json.dumps(new.entity_refs), json.dumps(new.payload), new.version, new.id),
        )
        self._unindex(event.id)
        self._index(new)
        return new

    def tombstone(self, event: Event, *, actor: str, reason: str | None) -> str:
        """Mark `event` deleted; it stays in `events` but leaves every projection."""
        tombstone_id = self._next_tombstone_id()
        self.db.execute(
            "INSERT INTO event_tombstones (id, ts_utc, actor, target_event_id, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (tombstone_id, self.clock(), actor, event.id, reason),
        )
        self._unindex(event.id)
        return tombstone_id

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

    def _index(self, event: Event) -> None:
        rows = [("animal", a) for a in event.explicit_animal_ids()]
        rows += [("location", loc) for loc in event.location_ids()]
        if feed := event.payload.get("feed_type_code"):
            rows.append(("feed_type", feed))
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO event_refs (event_id, kind, ref_id, ts_utc) VALUES (?, ?, ?, ?)",
            [(event.id, kind, ref, event.ts_utc) for kind, ref in rows],
        )

    def _unindex(self, event_id: str) -> None:
        self.db.execute("DELETE FROM event_refs WHERE event_id = ?", (event_id,))

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
    ) -> Iterator[Event]:
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
            where.append(_LIVE)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        cursor = self.db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events {clause} ORDER BY ts_utc, id", params
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

    def events_for_animals(
        self, animal_ids: Iterable[str], *, exclude: str | None = None
    ) -> list[Event]:
        """Every live event naming one of the animals explicitly, in `(ts_utc, id)` order."""
        ids = self.db.execute(
            "SELECT DISTINCT event_id FROM event_refs WHERE kind = 'animal'"
            " AND ref_id IN (SELECT value FROM json_each(?))",
            (json_list(animal_ids),),
        ).fetchall()
        return self.events_by_ids(r[0] for r in ids if r[0] != exclude)

    def events_sharing(
        self,
        kind: str,
        refs: Iterable[str],
        since: tuple[int, str],
        *,
        types: Iterable[str] | None = None,
    ) -> list[Event]:
        """Live events at or after `since` (a `(ts_utc, id)` key) that refer to one of `refs`.

        `kind` is "animal" (named explicitly; derived producers do not count), "location" or
        "feed_type"; `types` narrows to those event types.
        """
        after = "(ts_utc > :ts OR (ts_utc = :ts AND {id} >= :id))"
        params = {"kind": kind, "refs": json_list(refs), "ts": since[0], "id": since[1]}
        if types is None:
            sql = (
                "SELECT DISTINCT event_id FROM event_refs WHERE kind = :kind"
                " AND ref_id IN (SELECT value FROM json_each(:refs))"
                f" AND {after.format(id='event_id')}"
            )
        else:
            # Few events are of the asked types (location events, feed given): drive from
            # those through the (type, ts_utc) index rather than from every later event that
            # shares a location, which deep in history is most of the log.
            params["types"] = json_list(types)
            sql = (
                "SELECT e.id FROM events e WHERE e.type IN (SELECT value FROM json_each(:types))"
                f" AND {after.format(id='e.id')} AND EXISTS (SELECT 1 FROM event_refs r"
                " WHERE r.event_id = e.id AND r.kind = :kind"
                " AND r.ref_id IN (SELECT value FROM json_each(:refs)))"
            )
        rows = self.db.execute(sql, params).fetchall()
        return self.events_by_ids(r[0] for r in rows)

    def revisions(self, event_id: str) -> list[dict[str, Any]]:
        """Prior versions of an edited event, oldest first."""
        rows = self.db.execute(
            "SELECT version, ts_utc, actor, entity_refs, payload, edited_at_utc, edited_by"
            " FROM event_revisions WHERE event_id = ? ORDER BY version",
            (event_id.upper(),),
        ).fetchall()
        keys = (
            "version",
            "ts_utc",
            "actor",
            "entity_refs",
            "payload",
            "edited_at_utc",
            "edited_by",
        )
        out = []
        for row in rows:
            item = dict(zip(keys, row, strict=True))
            item["entity_refs"] = json.loads(item["entity_refs"])
            item["payload"] = json.loads(item["payload"])
            out.append(item)
        return out

    def tombstone_of(self, event_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT id, ts_utc, actor, target_event_id, reason FROM event_tombstones"
            " WHERE target_event_id = ?",
            (event_id.upper(),),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("id", "ts_utc", "actor", "target_event_id", "reason"), row, strict=True))
