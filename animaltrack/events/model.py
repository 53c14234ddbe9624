"""The `Event` value object: one immutable entry of the log, as read back (SPEC §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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
        """Every animal the event names or derives, in a stable order without repeats."""
        refs, payload = self.entity_refs, self.payload
        ids: list[str] = []
        for source in (
            refs.get("animal_ids"),
            payload.get("resolved_ids"),
            [payload["animal_id"]] if "animal_id" in payload else None,
            [payload["survivor_id"]] if "survivor_id" in payload else None,
            payload.get("merged_ids"),
            payload.get("animal_ids"),
        ):
            if source:
                ids.extend(source)
        return list(dict.fromkeys(ids))

    def explicit_animal_ids(self) -> list[str]:
        """The animals the event names itself (derived producers excluded, SPEC §12)."""
        if self.type == "ProductCollected":
            # entity_refs.animal_ids records who was there; only resolved_ids were chosen.
            return list(self.payload.get("resolved_ids") or ())
        return self.animal_ids()

    def location_ids(self) -> list[str]:
        """Every location the event names, in payload or entity_refs."""
        keys = ("location_id", "from_location_id", "to_location_id", "assigned_brood_location_id")
        found = [src[k] for src in (self.entity_refs, self.payload) for k in keys if src.get(k)]
        return list(dict.fromkeys(found))

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
