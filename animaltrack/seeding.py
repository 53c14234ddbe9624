"""Seed a migrated database: reference rows, then the seed locations as events at ts 0.

Locations live in the log (SPEC §3), so the seed writes `LocationCreated` events by actor
`system` with the fixed ids kept in `seeds/locations.json`. A location already in the log —
even renamed or archived since — is never created again, so seeding twice changes nothing.
"""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.payloads import LocationCreatedPayload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from store import transaction
from store.seeding import load_seed, seed_reference

SYSTEM_ACTOR = "system"


def seed(db) -> dict[str, int]:
    """Seed reference data and locations; return counts of what was added."""
    added_reference = seed_reference(db)
    store = EventStore(db)
    known = {
        e.payload["location_id"]
        for e in store.list_events(types=[t.LOCATION_CREATED], include_tombstoned=True)
    }
    added_locations = 0
    registry = default_registry(db)
    with transaction(db):
        for row in load_seed("locations"):
            if row["id"] in known:
                continue
            payload = LocationCreatedPayload(location_id=row["id"], name=row["name"])
            event = store.append_event(
                t.LOCATION_CREATED, 0, SYSTEM_ACTOR, {"location_id": row["id"]}, payload
            )
            registry.apply(event)
            added_locations += 1
    return {"reference": added_reference, "locations": added_locations}
