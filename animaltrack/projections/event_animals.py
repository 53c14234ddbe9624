"""`event_animals`: which animals each event names or derives (a collection's producers too)."""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.projections.base import Projection


class EventAnimalsProjection(Projection):
    TABLES = ("event_animals",)
    EVENT_TYPES = frozenset(t.ANIMAL_EVENT_TYPES | {t.PRODUCT_COLLECTED})

    def record(self, event: Event) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO event_animals (event_id, animal_id, ts_utc) VALUES (?, ?, ?)",
            [(event.id, a, event.ts_utc) for a in event.animal_ids()],
        )

    def unrecord(self, event: Event) -> None:
        self.db.execute("DELETE FROM event_animals WHERE event_id = ?", (event.id,))
