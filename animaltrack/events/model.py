"""The `Event` value object: one immutable entry of the log, as read back (SPEC §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from animaltrack.events.refs import created_animal_ids, named_animal_ids, named_location_ids


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    ts_utc: int
    actor: str
    entity_refs: dict[str, Any]
    payload: dict[str, Any]
    version: int = 1
    recorded_at_utc: int = field(default=0, compare=False)

    @property
    def order_key(self) -> tuple[int, str]:
        """Position in history: `(ts_utc, id)` is a total order (SPEC §1.4)."""
        return (self.ts_utc, self.id)

    def animal_ids(self) -> list[str]:
        """The animals the event creates or names, in a stable order without repeats.

        Derived animals (a collection's producers) are not among them: they follow history
        and are answered from the projections (`animaltrack.queries.subjects`)."""
        created = created_animal_ids(self.type, self.entity_refs)
        return list(dict.fromkeys([*created, *named_animal_ids(self.payload)]))

    def location_ids(self) -> list[str]:
        """The locations the payload names (where its animals were is derived, SPEC §1.9)."""
        return named_location_ids(self.payload)

    @classmethod
    def from_row(cls, row: tuple | Any) -> Event:
        """Build from a `SELECT id, type, ts_utc, actor, entity_refs, payload, version,
        recorded_at_utc` row."""
        return cls(
            id=row[0],
            type=row[1],
            ts_utc=row[2],
            actor=row[3],
            entity_refs=json.loads(row[4]),
            payload=json.loads(row[5]),
            version=row[6],
            recorded_at_utc=row[7],
        )


EVENT_COLUMNS = "id, type, ts_utc, actor, entity_refs, payload, version, recorded_at_utc"
