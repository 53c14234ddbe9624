"""What every command service shares: the one write transaction, nonces, selections, publishing.

A command is "load, check, record" (STYLE.md): `_command` opens `BEGIN IMMEDIATE`, returns the
original event for a repeated nonce, lets the service build the payload (reading state and
raising domain errors) and the ids of what it creates, checks the event's rules at its place in
history, appends it, reconciles the projections (SPEC §6.3), remembers the nonce, commits, and
only then publishes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from animaltrack.errors import SelectionMismatchError, ValidationError
from animaltrack.events.model import Event
from animaltrack.events.payloads import MAX_COHORT, Payload, dump_payload, revised
from animaltrack.events.refs import facts_refs
from animaltrack.events.store import EventStore
from animaltrack.projections.base import ProjectionRegistry
from animaltrack.projections.state import SqlFarmState
from animaltrack.selection.hashing import compute_roster_hash
from animaltrack.selection.validation import (
    SelectionContext,
    stale_hash_error,
    validate_selection,
)
from animaltrack.services import history, nonces, rules
from animaltrack.services.changes import Changes
from store import transaction

# build(ts) -> (payload, created animal ids): the service's own part of a command. Nothing
# else goes with the event: what it refers to follows from these facts (`facts_refs`).
Build = Callable[[int], tuple[Payload, list[str]]]


class Service:
    def __init__(
        self,
        db,
        event_store: EventStore,
        registry: ProjectionRegistry,
    ):
        self.db = db
        self.farm = SqlFarmState(db)  # what the rules read: the live tables
        self.store = event_store
        self.registry = registry

    def _command(
        self,
        event_type: str,
        payload: Payload,
        ts_utc: int | None,
        actor: str,
        build: Build | None = None,
        *,
        nonce: str | None = None,
        selection: SelectionContext | None = None,
    ) -> Event:
        request = {
            "type": event_type,
            "payload": dump_payload(payload),
            "ts_utc": ts_utc,
            "selection": selection.__dict__ if selection else None,
        }
        digest = nonces.request_hash(request)
        with transaction(self.db):
            if nonce is not None and (prior := nonces.lookup(self.db, actor, nonce, digest)):
                return self.store.get_event(prior[1])
            written = Changes(self.store)
            ts = self.store.clock() if ts_utc is None else ts_utc
            self.store.check_time(ts)
            final_payload, created = build(ts) if build else (payload, [])
            payload_dict = dump_payload(final_payload)
            entity_refs = facts_refs(event_type, payload_dict, created)
            candidate = Event("~", event_type, ts, actor, entity_refs, payload_dict)
            rules.check_event(self.farm, candidate)
            event = self.store.append_event(event_type, ts, actor, entity_refs, payload_dict)
            history.reconcile(self.db, self.store, self.registry, added=[event], appended=True)
            if nonce is not None:
                nonces.remember(
                    self.db, actor, nonce, digest, "event", event.id, self.store.clock()
                )
            written.record([event])
        return event

    def _on_selection(self, payload: Payload, selection: SelectionContext | None, ts: int):
        """The payload acting on the animals the selection check settles (`_selected_ids`),
        with the filter they came from."""
        return revised(
            payload,
            resolved_ids=self._selected_ids(payload.resolved_ids, selection, ts),
            filter=selection.filter if selection else payload.filter,
        )

    def _selected_ids(
        self, ids: list[str] | None, selection: SelectionContext | None, ts: int
    ) -> list[str]:
        """The animals to act on: the payload's, or the selection's after the roster check.

        Runs inside the command's transaction, so nothing can change between this check and
        the append (SPEC §9.2). A selection without its own instant is checked at the command's
        `ts` (the moment the server received it, when the client gave none).
        """
        if selection is None:
            return list(ids or [])
        if selection.ts_utc is None:
            selection = dataclasses.replace(selection, ts_utc=ts)
        result = validate_selection(self.db, selection)
        if not result.valid and not (result.diff.added or result.diff.removed):
            raise stale_hash_error(self.db, selection)  # the same animals: the hash is at fault
        if not result.valid:
            raise SelectionMismatchError(result)
        if result.diff is None:
            client_ids = sorted(selection.resolved_ids)
            if compute_roster_hash(client_ids, selection.from_location_id) != result.roster_hash:
                raise ValidationError(
                    "The animal ids sent do not match the roster hash; ask for the selection"
                    " again.",
                    field="resolved_ids",
                )
            return client_ids
        if not result.resolved_ids:
            raise ValidationError(
                "The filter selects no animals any more; nothing to do.", field="filter"
            )
        if len(result.resolved_ids) > MAX_COHORT:  # a confirmation obeys the payload's cap
            raise ValidationError(
                f"The filter now selects {len(result.resolved_ids):,} animals; one event can act"
                f" on at most {MAX_COHORT:,}. Narrow the filter and ask for the selection again.",
                field="filter",
            )
        return list(result.resolved_ids)

    def _new_ids(self, count: int) -> list[str]:
        """Ids for the animals an event creates, stored in the event (SPEC §1.7)."""
        ids: set[str] = set()
        while len(ids) < count:
            ids.add(self.store.new_id().upper())
        return sorted(ids)
