"""What edits and deletes share: roles, loading the live event, nonces (SPEC §12, §9.4)."""

from __future__ import annotations

import json

from animaltrack.errors import ForbiddenError, ValidationError
from animaltrack.events.model import Event
from animaltrack.events.store import EventStore

ROLES = ("admin", "recorder", "viewer")


def check_may_change(event: Event, *, actor: str, role: str, verb: str) -> None:
    """Viewers change nothing; recorders change only their own events; admins anything."""
    if role not in ROLES:
        raise ForbiddenError(f"Unknown role '{role}'.")
    if role == "viewer":
        raise ForbiddenError(f"Viewers cannot {verb} events.")
    if role == "recorder" and event.actor != actor:
        raise ForbiddenError(
            f"You can only {verb} events you recorded yourself; this one was recorded by"
            f" {event.actor}."
        )


def live_event(store: EventStore, event_id: str) -> Event:
    """The latest version of a live event; `NotFoundError`, or a refusal for a deleted one."""
    event = store.get_event(event_id)
    if store.is_tombstoned(event.id):
        raise ValidationError(f"Event {event.id} has been deleted.", field="event_id")
    return event


def request_of(**fields) -> dict:
    """The part of an edit or delete request that a nonce must see again unchanged."""
    return json.loads(json.dumps(fields, default=str))
