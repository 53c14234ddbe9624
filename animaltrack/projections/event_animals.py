"""`event_animals`: the animals each event creates or names (SPEC §6.1).

Facts only: a collection's derived producers are not here, they are answered from the location
intervals at read time (`animaltrack.queries.subjects`). Besides the API's `events(animalId:)`
and timelines, the history rule and the dependents of a delete find an animal's events here.
"""

from __future__ import annotations

from collections.abc import Iterable

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.base import Batch, Projection


class EventAnimalsProjection(Projection):
    NAME = "event_animals"
    TABLES = ("event_animals",)
    EVENT_TYPES = frozenset(t.ANIMAL_EVENT_TYPES | {t.PRODUCT_COLLECTED})

    def record(self, event: Event) -> None:
        self.db.conn.executemany(
            self.sql(
                "INSERT OR IGNORE INTO {event_animals} (event_id, animal_id, ts_utc)"
                " VALUES (?, ?, ?)"
            ),
            [(event.id, a, event.ts_utc) for a in event.animal_ids()],
        )

    def unrecord(self, event: Event) -> None:
        self.db.execute(self.sql("DELETE FROM {event_animals} WHERE event_id = ?"), (event.id,))

    def batch(self, log: str) -> Batch:
        return EventAnimalsBatch(self, log)


class EventAnimalsBatch(Batch):
    """One set-based statement over the log: the `animal_ids` of every live event's refs (the
    stored form of `Event.animal_ids`, SPEC §5.2), in primary-key order."""

    def __init__(self, projection: EventAnimalsProjection, log: str):
        super().__init__(projection)
        self.log = log

    def add(self, event: Event) -> None:
        pass

    def finish(self) -> None:
        p = self.projection
        p.db.execute(
            p.sql(
                "INSERT OR IGNORE INTO {event_animals} (event_id, animal_id, ts_utc)"
                " SELECT e.id, a.value, e.ts_utc"
                f" FROM {self.log}.events e, json_each(e.entity_refs, '$.animal_ids') a"
                " WHERE e.type IN (SELECT value FROM json_each(:types))"
                f" AND e.id NOT IN (SELECT target_event_id FROM {self.log}.event_tombstones)"
                " ORDER BY e.id, a.value"
            ),
            {"types": json_list(p.EVENT_TYPES)},
        )


def events_naming(
    db,
    animal_ids: Iterable[str],
    since: tuple[int, str] | None = None,
    *,
    table: str | None = None,
) -> list[str]:
    """Ids of the live events that create or name one of these animals, at or after `since`
    (a `(ts_utc, id)` key) when given; `table` is where the rows are (default `event_animals`)."""
    sql = (
        f"SELECT DISTINCT event_id FROM {table or 'event_animals'}"
        " WHERE animal_id IN (SELECT value FROM json_each(:ids))"
    )
    params: dict = {"ids": json_list(animal_ids)}
    if since is not None:
        sql += " AND (ts_utc > :ts OR (ts_utc = :ts AND event_id >= :id))"
        params |= {"ts": since[0], "id": since[1]}
    return [r[0] for r in db.execute(sql, params)]
