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
from animaltrack.projections.base import Projection


class EventAnimalsProjection(Projection):
    NAME = "event_animals"
    TABLES = ("event_animals",)
    EVENT_TYPES = frozenset(t.ANIMAL_EVENT_TYPES | {t.PRODUCT_COLLECTED})

    def record(self, event: Event) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO event_animals (event_id, animal_id, ts_utc) VALUES (?, ?, ?)",
            [(event.id, a, event.ts_utc) for a in event.animal_ids()],
        )

    def unrecord(self, event: Event) -> None:
        self.db.execute("DELETE FROM event_animals WHERE event_id = ?", (event.id,))


def events_naming(db, animal_ids: Iterable[str], since: tuple[int, str] | None = None) -> list[str]:
    """Ids of the live events that create or name one of these animals, at or after `since`
    (a `(ts_utc, id)` key) when given."""
    sql = (
        "SELECT DISTINCT event_id FROM event_animals"
        " WHERE animal_id IN (SELECT value FROM json_each(:ids))"
    )
    params: dict = {"ids": json_list(animal_ids)}
    if since is not None:
        sql += " AND (ts_utc > :ts OR (ts_utc = :ts AND event_id >= :id))"
        params |= {"ts": since[0], "id": since[1]}
    return [r[0] for r in db.execute(sql, params)]
