"""The `Event` value object: one immutable entry of the log, as read back (SPEC §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from animaltrack.events.refs import created_animal_ids, named_animal_ids, named_location_ids
from animaltrack.events.versions import upcast


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
        """Build from a `SELECT {EVENT_COLUMNS}` row; the payload is read in today's shape
        (`events.versions`), whatever version it was stored at."""
        return cls(
            id=row[0],
            type=row[1],
            ts_utc=row[2],
            actor=row[3],
            entity_refs=json.loads(row[4]),
            payload=upcast(row[1], json.loads(row[5]), row[8]),
            version=row[6],
            recorded_at_utc=row[7],
        )


EVENT_COLUMNS = (
    "id, type, ts_utc, actor, entity_refs, payload, version, recorded_at_utc, payload_version"
)


@dataclass(frozen=True)
class Revision:
    """A prior version of an edited event (SPEC §12), its payload in today's shape."""

    event_id: str
    version: int
    ts_utc: int
    actor: str
    entity_refs: dict[str, Any]
    payload: dict[str, Any]
    edited_at_utc: int
    edited_by: str

    @classmethod
    def from_row(cls, row: tuple | Any) -> Revision:
        """Build from a `SELECT {REVISION_COLUMNS} FROM event_revisions r JOIN events e ON
        e.id = r.event_id` row (the event's type says how to upcast the payload)."""
        return cls(
            event_id=row[0],
            version=row[1],
            ts_utc=row[2],
            actor=row[3],
            entity_refs=json.loads(row[4]),
            payload=upcast(row[8], json.loads(row[5]), row[9]),
            edited_at_utc=row[6],
            edited_by=row[7],
        )


REVISION_COLUMNS = (
    "r.event_id, r.version, r.ts_utc, r.actor, r.entity_refs, r.payload, r.edited_at_utc,"
    " r.edited_by, e.type, r.payload_version"
)


@dataclass(frozen=True)
class Tombstone:
    """The record of a deleted event (SPEC §12): who deleted it, when, and why."""

    id: str
    ts_utc: int
    actor: str
    target_event_id: str
    reason: str | None


TOMBSTONE_COLUMNS = "id, ts_utc, actor, target_event_id, reason"
