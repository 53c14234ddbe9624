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
from animaltrack.events.lifecycle import check_may_change, live_event, request_of
from animaltrack.events.model import Event
from animaltrack.events.payloads import PAYLOAD_TYPES, Payload, build_payload, dump_payload
from animaltrack.events.store import EventStore
from store import transaction

# Payload fields whose change would change the ids an event created.
_FROZEN_FIELDS = {
    t.ANIMAL_COHORT_CREATED: ("count",),
    t.HATCH_RECORDED: ("hatched_live",),
    t.LOCATION_CREATED: ("location_id",),
}
_REF_KEYS = ("location_id", "from_location_id", "to_location_id", "assigned_brood_location_id")


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
    """Write a new version of an event; return it. `payload` may be partial (a dict of changes)."""
    from animaltrack.services import history, nonces

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
        refs = _entity_refs(db, event_store, old, new_payload, new_ts)
        new = event_store.replace_event(
            old, ts_utc=new_ts, payload=new_payload, entity_refs=refs, edited_by=actor
        )
        history.reconcile(db, event_store, registry, removed=[old], added=[new])
        if nonce is not None:
            nonces.remember(db, actor, nonce, digest, "event", new.id, event_store.clock())
    return new


def _edited_payload(old: Event, changes: dict[str, Any]) -> dict[str, Any]:
    for field in _FROZEN_FIELDS.get(old.type, ()):
        if field in changes and changes[field] != old.payload.get(field):
            raise ValidationError(
                f"'{field}' cannot be edited: delete the event and record it again.", field=field
            )
    merged = {**old.payload, **changes}
    try:
        return dump_payload(build_payload(PAYLOAD_TYPES[old.type], **merged))
    except ValidationError as error:  # name the field as the caller gave it: inside `payload`
        field = f"payload.{error.field}" if error.field else "payload"
        raise ValidationError(error.message, field=field) from error


def _entity_refs(db, store: EventStore, old: Event, payload: dict, ts: int) -> dict[str, Any]:
    """The new version's refs: created ids kept, the rest derived from the new payload."""
    refs = dict(old.entity_refs)
    fields = PAYLOAD_TYPES[old.type].model_fields
    for key in _REF_KEYS:
        if key in fields:  # a ref the payload carries follows the payload; others are kept
            if payload.get(key):
                refs[key] = payload[key]
            else:
                refs.pop(key, None)
    if old.type in t.CREATING_EVENT_TYPES:
        return refs
    if "resolved_ids" in payload:
        refs["animal_ids"] = list(payload["resolved_ids"])
    elif old.type == t.ANIMAL_PROMOTED:
        refs["animal_ids"] = [payload["animal_id"]]
    elif old.type == t.ANIMAL_MERGED:
        refs["animal_ids"] = [payload["survivor_id"], *payload["merged_ids"]]
    elif old.type == t.ANIMAL_STATUS_CORRECTED:
        refs["animal_ids"] = list(payload["animal_ids"])
    elif old.type == t.PRODUCT_COLLECTED and "animal_ids" in old.entity_refs:
        from animaltrack.reference import require_product
        from animaltrack.services.products import derive_producers

        refs["animal_ids"] = derive_producers(
            db, require_product(db, payload["product_code"]), payload["location_id"], ts
        )
    if payload.get("feed_type_code"):
        refs["feed_type_code"] = payload["feed_type_code"]
    return refs
