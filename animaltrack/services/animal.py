"""`AnimalService`: every command about animals (SPEC §5.2)."""

from __future__ import annotations

from animaltrack.errors import ValidationError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import (
    AnimalAttributesUpdatedPayload,
    AnimalCohortCreatedPayload,
    AnimalMergedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalPromotedPayload,
    AnimalStatusCorrectedPayload,
    AnimalTagEndedPayload,
    AnimalTaggedPayload,
    HatchRecordedPayload,
)
from animaltrack.selection.validation import SelectionContext
from animaltrack.services import rules
from animaltrack.services.base import Service


class AnimalService(Service):
    def create_cohort(
        self, payload: AnimalCohortCreatedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        def build(ts):
            return payload, self._new_ids(payload.count)

        return self._command(t.ANIMAL_COHORT_CREATED, payload, ts_utc, actor, build, nonce=nonce)

    def record_hatch(
        self, payload: HatchRecordedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        def build(ts):
            return payload, self._new_ids(payload.hatched_live)

        return self._command(t.HATCH_RECORDED, payload, ts_utc, actor, build, nonce=nonce)

    def move_animals(
        self,
        payload: AnimalMovedPayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        def build(ts):
            final = self._on_selection(payload, selection, ts)
            source = rules.single_location(rules.living_states(self.farm, final.resolved_ids, ts))
            if payload.from_location_id and payload.from_location_id != source:
                raise ValidationError(
                    "The animals are not at the location you moved them from; look again.",
                    field="from_location_id",
                )
            # The source is checked, not stored: where the animals were follows history.
            return final, []

        return self._command(
            t.ANIMAL_MOVED, payload, ts_utc, actor, build, nonce=nonce, selection=selection
        )

    def _selection_command(self, event_type, payload, ts_utc, actor, selection, nonce) -> Event:
        """Commands whose only subjects are the selected animals."""

        def build(ts):
            return self._on_selection(payload, selection, ts), []

        return self._command(
            event_type, payload, ts_utc, actor, build, nonce=nonce, selection=selection
        )

    def update_attributes(
        self,
        payload: AnimalAttributesUpdatedPayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        return self._selection_command(
            t.ANIMAL_ATTRIBUTES_UPDATED, payload, ts_utc, actor, selection, nonce
        )

    def add_tag(
        self,
        payload: AnimalTaggedPayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        return self._selection_command(t.ANIMAL_TAGGED, payload, ts_utc, actor, selection, nonce)

    def end_tag(
        self,
        payload: AnimalTagEndedPayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        return self._selection_command(t.ANIMAL_TAG_ENDED, payload, ts_utc, actor, selection, nonce)

    def record_outcome(
        self,
        payload: AnimalOutcomePayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        return self._selection_command(t.ANIMAL_OUTCOME, payload, ts_utc, actor, selection, nonce)

    def promote_animal(
        self, payload: AnimalPromotedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.ANIMAL_PROMOTED, payload, ts_utc, actor, nonce=nonce)

    def merge_animals(
        self, payload: AnimalMergedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.ANIMAL_MERGED, payload, ts_utc, actor, nonce=nonce)

    def correct_status(
        self, payload: AnimalStatusCorrectedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.ANIMAL_STATUS_CORRECTED, payload, ts_utc, actor, nonce=nonce)
