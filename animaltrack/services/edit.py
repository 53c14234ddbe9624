"""Editing an event: a new version, the old one kept as a revision (SPEC §12).

An edit may change payload fields and `ts_utc`, never the type, the actor, or the ids the event
created (`count` and `hatched_live` are not editable: delete and re-record instead). The new
version takes its place in history and must pass its rules there, and every later event that
shares a subject with the old or the new version is re-checked (`services.history.reconcile`).
"""

from __future__ import annotations

from typing import Any

from animaltrack.errors import ValidationError, VersionConflict
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import PAYLOAD_TYPES, Payload, build_payload, dump_payload
from animaltrack.events.store import EventStore
from animaltrack.projections.state import SqlFarmState
from animaltrack.reference import require_product
from animaltrack.services import history, nonces
from animaltrack.services.changes import Changes
from animaltrack.services.lifecycle import check_may_change, live_event, request_of
from animaltrack.services.products import require_producers
from store import transaction

# Payload fields whose change would change the ids an event created.
_FROZEN_FIELDS = {
    t.ANIMAL_COHORT_CREATED: ("count",),
    t.HATCH_RECORDED: ("hatched_live",),
    t.LOCATION_CREATED: ("location_id",),
}


def edit_event(
    db,
    event_store: EventStore,
    registry,
    event_id: str,
    *,
    actor: str,
    role: str,
    payload: dict[str, Any] | Payload | None = None,
    ts_utc: int | None = None,
    expected_version: int | None = None,
    nonce: str | None = None,
) -> Event:
    """Write a new version of an event; return it. `payload` may be partial (a dict of changes).

    The edit's change in the log sequence keeps the places the old version was about too, so a
    dashboard of either the old or the new place hears of it (`services/changes.py`)."""
    if payload is not None and not isinstance(payload, dict | Payload):
        raise ValidationError(
            'The payload is the object of the fields to change, such as {"notes": "moved"}.',
            field="payload",
        )
    changes = dump_payload(payload) if isinstance(payload, Payload) else dict(payload or {})
    digest = nonces.request_hash(
        request_of(op="edit", id=event_id, payload=changes, ts=ts_utc, version=expected_version)
    )
    with transaction(db):
        if nonce is not None and (prior := nonces.lookup(db, actor, nonce, digest)):
            return event_store.get_event(prior[1])
        written = Changes(event_store)
        old = live_event(event_store, event_id)
        check_may_change(old, actor=actor, role=role, verb="edit")
        if expected_version is not None and expected_version != old.version:
            raise VersionConflict(
                f"Event {old.id} was changed meanwhile (it is at version {old.version}, you"
                f" edited version {expected_version}); reload it and edit again.",
                current_version=old.version,
            )
        new_payload = _edited_payload(old, changes)
        new_ts = old.ts_utc if ts_utc is None else ts_utc
        if new_payload == old.payload and new_ts == old.ts_utc:
            raise ValidationError("This edit changes nothing.", field="payload")
        written.about_to_change([old])
        new = event_store.replace_event(old, ts_utc=new_ts, payload=new_payload, edited_by=actor)
        history.reconcile(db, event_store, registry, removed=[old], added=[new])
        if _moved_collection(old, new):
            product = require_product(db, new.payload["product_code"])
            require_producers(SqlFarmState(db), product, new.payload["location_id"], new.ts_utc)
        if nonce is not None:
            nonces.remember(db, actor, nonce, digest, "event", new.id, event_store.clock())
        written.record([new])
    return new


def _edited_payload(old: Event, changes: dict[str, Any]) -> dict[str, Any]:
    for field in _FROZEN_FIELDS.get(old.type, ()):
        if field in changes and changes[field] != old.payload.get(field):
            raise ValidationError.for_field(
                f"payload.{field}", "cannot be edited: delete the event and record it again."
            )
    merged = {**old.payload, **changes}
    try:
        return dump_payload(build_payload(PAYLOAD_TYPES[old.type], **merged))
    except ValidationError as error:  # name the field as the caller gave it: inside `payload`
        if error.field is None:
            raise ValidationError(error.message, field="payload") from error
        field, reason = f"payload.{error.field}", error.reason or error.message
        raise ValidationError.for_field(field, reason) from error


def _moved_collection(old: Event, new: Event) -> bool:
    """An edit that changes where, when or what was collected, when the server answers the
    producers: it must find one there (SPEC §5.3)."""
    if new.type != t.PRODUCT_COLLECTED or new.payload.get("resolved_ids"):
        return False
    keys = ("location_id", "product_code")
    return new.ts_utc != old.ts_utc or any(new.payload[k] != old.payload[k] for k in keys)
