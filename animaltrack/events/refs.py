"""What a stored event refers to: only what its client named and the ids it creates (SPEC §1.9).

`entity_refs` is an index of facts kept beside the payload: the animals the payload names and the
animals the event creates (`animal_ids`), and the locations the payload names. Nothing that
depends on the farm's state at the event's `ts_utc` — the producers of a collection, where the
named animals were, the source of a move the client did not name — is stored: a later backdated
event, edit or delete can change that state, so such facts live in projections that are derived
again (`event_locations`) or are answered at read time (producers).

`facts_refs` is the one definition; `EventStore` applies it to every append and new version, so
no caller can freeze a derived fact into the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from animaltrack.events import types as t

# Payload keys that name a location, in the order they are listed.
LOCATION_KEYS = ("location_id", "from_location_id", "to_location_id", "assigned_brood_location_id")


def named_animal_ids(payload: Mapping[str, Any]) -> list[str]:
    """The animals a payload names, in a stable order without repeats."""
    ids: list[str] = [payload[k] for k in ("survivor_id", "animal_id") if payload.get(k)]
    for key in ("merged_ids", "resolved_ids", "animal_ids"):
        ids.extend(payload.get(key) or ())
    return list(dict.fromkeys(ids))


def named_location_ids(payload: Mapping[str, Any]) -> list[str]:
    """The locations a payload names (a move's source only when the client gave it)."""
    return list(dict.fromkeys(payload[k] for k in LOCATION_KEYS if payload.get(k)))


def created_animal_ids(event_type: str, entity_refs: Mapping[str, Any]) -> list[str]:
    """The ids of the animals an event creates, as stored with it (empty for other events)."""
    if event_type in t.CREATING_EVENT_TYPES:
        return list(entity_refs.get("animal_ids") or ())
    return []


def facts_refs(
    event_type: str, payload: Mapping[str, Any], created: Iterable[str] = ()
) -> dict[str, Any]:
    """The entity refs stored with an event: created and named animals, named locations."""
    refs: dict[str, Any] = {}
    created = list(created) if event_type in t.CREATING_EVENT_TYPES else []
    animals = list(dict.fromkeys([*created, *named_animal_ids(payload)]))
    if animals:
        refs["animal_ids"] = animals
    for key in LOCATION_KEYS:
        if payload.get(key):
            refs[key] = payload[key]
    return refs
