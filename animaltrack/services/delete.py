"""Deleting an event: a tombstone, never a physical removal (SPEC §12).

Dependents of an event are, transitively, the later events that could not stand without it:
those naming an animal it creates (a collection's derived producers do not count), those about
a location it created, and a `FeedGiven` whose only qualifying purchase it is. A delete with
dependents is refused with `DependentEvents` unless an admin asks for `cascade`, which
tombstones them all. `dry_run` answers the list and writes nothing. After the tombstones the
history rule still applies: a delete that would make another later event invalid (a move that
loses its animal's arrival, say) is refused with `HistoryConflict`.
"""

from __future__ import annotations

import json

from animaltrack.errors import DependentEvents, ForbiddenError, ValidationError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import MAX_TEXT
from animaltrack.events.refs import created_animal_ids
from animaltrack.events.store import EventStore
from animaltrack.projections.event_animals import events_naming
from animaltrack.projections.event_log import events_about
from animaltrack.services import history, nonces
from animaltrack.services.changes import Changes
from animaltrack.services.lifecycle import check_may_change, live_event, request_of
from store import transaction


def delete_event(
    db,
    event_store: EventStore,
    registry,
    event_id: str,
    *,
    actor: str,
    role: str,
    reason: str | None,
    cascade: bool = False,
    dry_run: bool = False,
    nonce: str | None = None,
) -> list[str]:
    """Tombstone the event (and, with cascade, its dependents); return the tombstoned ids.

    Each tombstone's change in the log sequence keeps the places its event was about, read
    before the delete took the event out of them (`services/changes.py`)."""
    if reason is not None and len(reason) > MAX_TEXT:
        raise ValidationError(
            f"The reason is {len(reason):,} characters long; keep it to {MAX_TEXT:,}.",
            field="reason",
        )
    digest = nonces.request_hash(request_of(op="delete", id=event_id, cascade=cascade))
    with transaction(db):
        if nonce is not None and not dry_run:
            if prior := nonces.lookup(db, actor, nonce, digest):
                return json.loads(prior[1])
        written = Changes(event_store)
        event = live_event(event_store, event_id)
        check_may_change(event, actor=actor, role=role, verb="delete")
        if cascade and role != "admin":
            raise ForbiddenError("Only an admin can delete an event together with its dependents.")
        dependents = find_dependents(db, event_store, event)
        if dependents and not cascade:
            raise DependentEvents(
                f"{len(dependents)} later record(s) depend on this event; delete those first"
                + (
                    ", or ask an admin to delete them together."
                    if role != "admin"
                    else ", or delete with cascade."
                ),
                [d.id for d in dependents],
            )
        doomed = [event, *dependents]
        ids = [e.id for e in doomed]
        if dry_run:
            return ids
        written.about_to_change(doomed)
        for victim in doomed:
            event_store.tombstone(victim, actor=actor, reason=reason)
        history.reconcile(db, event_store, registry, removed=doomed)
        if nonce is not None:
            nonces.remember(
                db, actor, nonce, digest, "delete", json.dumps(ids), event_store.clock()
            )
        written.record(doomed)
    return ids


def find_dependents(db, store: EventStore, event: Event) -> list[Event]:
    """Later live events that could not stand without `event`, transitively, in time order."""
    found: dict[str, Event] = {}
    frontier = [event]
    while frontier:
        current = frontier.pop()
        for dependent in _direct_dependents(db, store, current):
            if dependent.id != event.id and dependent.id not in found:
                found[dependent.id] = dependent
                frontier.append(dependent)
    return sorted(found.values(), key=lambda e: e.order_key)


def _direct_dependents(db, store: EventStore, event: Event) -> list[Event]:
    after = event.order_key
    if event.type in t.CREATING_EVENT_TYPES:
        ids = events_naming(db, created_animal_ids(event.type, event.entity_refs), after)
    elif event.type == t.LOCATION_CREATED:
        ids = events_about(db, [event.payload["location_id"]], after)
    elif event.type == t.FEED_PURCHASED:
        return _orphaned_feed(store, event)
    else:
        return []
    return [e for e in store.events_by_ids(ids) if e.id != event.id]


def _orphaned_feed(store: EventStore, purchase: Event) -> list[Event]:
    """Feed given that has no other purchase of its type at or before it."""
    code = [purchase.payload["feed_type_code"]]
    given = store.events_of_types_naming([t.FEED_GIVEN], "feed_type_code", code, purchase.order_key)
    others = [
        p.ts_utc
        for p in store.events_of_types_naming([t.FEED_PURCHASED], "feed_type_code", code, (0, ""))
        if p.id != purchase.id
    ]
    return [g for g in given if not any(ts <= g.ts_utc for ts in others)]
