"""`event_locations`: every location each event is about (SPEC §6.1).

An event is about the locations its payload names and, for an event about animals, the places
those animals were at its `ts_utc` — derived from the location intervals, so it follows history:
a tag recorded for a duck that a backdated move put in Strip 2 is in Strip 2's log. The rows of
an event are derived again whenever its animals are folded (`fold`), which the history rule does
for every event of the animals a backdated change, an edit or a delete touches.

Where an animal "was" for an event at T is read as SPEC §7 reads it, from the interval with the
latest start at or before T (for a dead animal, the place it died) — for a move, strictly before
T, which is its source. Rows are derived from the folded intervals, so events at the same
millisecond read the state after all of them; `fold` therefore derives again the other events
of the same instant that share an animal with the folded one.
"""

from __future__ import annotations

from collections.abc import Iterable

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.refs import LOCATION_KEYS
from animaltrack.events.store import EventStore, json_list
from animaltrack.projections.base import Batch, Projection


class EventLogProjection(Projection):
    NAME = "event_log"
    TABLES = ("event_locations",)
    DEPENDS_ON = ("animal_location_intervals", "event_animals")
    EVENT_TYPES = frozenset(t.ALL_EVENT_TYPES)
    ANIMAL_ROWS = True

    def record(self, event: Event) -> None:
        self._insert(event.id, event.ts_utc, event.location_ids())

    def unrecord(self, event: Event) -> None:
        self.db.execute(self.sql("DELETE FROM {event_locations} WHERE event_id = ?"), (event.id,))

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        if not _has_derived_places(event):
            return
        same_instant = self.db.execute(
            self.sql(
                "SELECT DISTINCT event_id FROM {event_animals} WHERE ts_utc = ?"
                " AND animal_id IN (SELECT value FROM json_each(?)) AND event_id <> ?"
            ),
            (event.ts_utc, json_list(event.animal_ids()), event.id),
        ).fetchall()
        others = (
            EventStore(self.db).events_by_ids(r[0] for r in same_instant) if same_instant else []
        )
        intervals = self.names["animal_location_intervals"]
        for each in [event, *others]:
            self.unrecord(each)
            self._insert(each.id, each.ts_utc, locations_of(self.db, each, intervals))

    def _insert(self, event_id: str, ts: int, locations: Iterable[str]) -> None:
        self.db.conn.executemany(
            self.sql(
                "INSERT OR IGNORE INTO {event_locations} (event_id, location_id, ts_utc)"
                " VALUES (?, ?, ?)"
            ),
            [(event_id, loc, ts) for loc in locations],
        )

    def batch(self, log: str) -> Batch:
        return EventLocationsBatch(self, log)


class EventLocationsBatch(Batch):
    """Set-based, after the intervals and `event_animals` are loaded: the locations each live
    event names, and where its animals were (read as `locations_of` reads them: the interval
    with the latest start at or before the event, strictly before for a move), in primary-key
    order."""

    def __init__(self, projection: EventLogProjection, log: str):
        super().__init__(projection)
        self.log = log

    def add(self, event: Event) -> None:
        pass

    def finish(self) -> None:
        p, log = self.projection, self.log
        derived = sorted(t.ANIMAL_EVENT_TYPES - t.CREATING_EVENT_TYPES)
        p.db.execute(
            p.sql(
                f"""
                INSERT OR IGNORE INTO {{event_locations}} (event_id, location_id, ts_utc)
                SELECT event_id, location_id, ts_utc FROM (
                  SELECT e.id AS event_id, r.value AS location_id, e.ts_utc
                  FROM {log}.events e, json_each(e.entity_refs) r
                  WHERE r.key IN (SELECT value FROM json_each(:keys))
                  UNION
                  SELECT e.id, (SELECT l.location_id FROM {{animal_location_intervals}} l
                    WHERE l.animal_id = a.value
                      AND (l.start_utc < e.ts_utc
                           OR (l.start_utc = e.ts_utc AND e.type <> :moved))
                    ORDER BY l.start_utc DESC LIMIT 1), e.ts_utc
                  FROM {log}.events e, json_each(e.entity_refs, '$.animal_ids') a
                  WHERE e.type IN (SELECT value FROM json_each(:derived))
                ) AS about
                WHERE location_id IS NOT NULL
                  AND event_id NOT IN (SELECT target_event_id FROM {log}.event_tombstones)
                ORDER BY event_id, location_id
                """
            ),
            {
                "keys": json_list(LOCATION_KEYS),
                "moved": t.ANIMAL_MOVED,
                "derived": json_list(derived),
            },
        )


def _has_derived_places(event: Event) -> bool:
    """Events about animals that existed before them (creating events name their place)."""
    return event.type in t.ANIMAL_EVENT_TYPES and event.type not in t.CREATING_EVENT_TYPES


def locations_of(db, event: Event, intervals: str = "animal_location_intervals") -> list[str]:
    """The locations an event is about: those it names, then where its animals were (read
    from `intervals`, the location intervals' table)."""
    named = event.location_ids()
    if not _has_derived_places(event):
        return named
    before = "<" if event.type == t.ANIMAL_MOVED else "<="
    rows = db.execute(
        f"""
        SELECT DISTINCT (SELECT l.location_id FROM {intervals} l
                         WHERE l.animal_id = a.value AND l.start_utc {before} :ts
                         ORDER BY l.start_utc DESC LIMIT 1) AS location_id
        FROM json_each(:ids) a WHERE location_id IS NOT NULL ORDER BY 1
        """,
        {"ts": event.ts_utc, "ids": json_list(event.animal_ids())},
    ).fetchall()
    return list(dict.fromkeys([*named, *(r[0] for r in rows)]))


def places_of(db, event: Event) -> list[str]:
    """The locations a live event is about as this projection holds them now: those it names,
    then those its last fold derived."""
    rows = db.execute(
        "SELECT location_id FROM event_locations WHERE event_id = ? ORDER BY location_id",
        (event.id,),
    ).fetchall()
    return list(dict.fromkeys([*event.location_ids(), *(r[0] for r in rows)]))


def events_about(db, location_ids: Iterable[str], since: tuple[int, str]) -> list[str]:
    """Ids of the live events about one of these locations at or after `since`."""
    rows = db.execute(
        "SELECT DISTINCT event_id FROM event_locations"
        " WHERE location_id IN (SELECT value FROM json_each(:locs))"
        " AND (ts_utc > :ts OR (ts_utc = :ts AND event_id >= :id))",
        {"locs": json_list(location_ids), "ts": since[0], "id": since[1]},
    ).fetchall()
    return [r[0] for r in rows]
