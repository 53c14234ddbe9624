"""Root mutations (SPEC §13): one per command, each input → payload → service → success type.

Resolvers never catch: a domain error raised by the role check, the payload, or the service
becomes a member of the mutation's result union in `schema/errors.py`. Selection mutations pass
a `SelectionContext` to the service, which re-checks the roster inside its write transaction
(SPEC §9.2); the hashed location is the move's `fromLocationId` or the collection's
`locationId`. When the client gives no `tsUtc`, a selection is checked at the server's now and
the event is recorded at that same instant.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from animaltrack.errors import ValidationError
from animaltrack.events import payloads as p
from animaltrack.projections.feed import balance_kg
from animaltrack.selection.validation import SelectionContext
from animaltrack.services.animal import AnimalService
from animaltrack.services.feed import FeedService
from animaltrack.services.locations import LocationService
from animaltrack.services.products import ProductService
from animaltrack.services.readmodels import sale_shortfall
from resolvers.context import Context, Info
from resolvers.roles import authorize, role_of
from schema import inputs
from schema import results as r


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _payload(payload_type: type[p.Payload], **data: Any) -> p.Payload:
    """Build a payload from input fields; absent (None) fields take the payload's defaults."""
    return p.build_payload(payload_type, **{k: _plain(v) for k, v in data.items() if v is not None})


def _selection(input: Any, hashed_location: str | None) -> SelectionContext:
    """What the client saw; with no `tsUtc` the service checks it at the instant it records."""
    return SelectionContext(
        filter=input.filter,
        resolved_ids=[i.upper() for i in input.resolved_ids],
        roster_hash=input.roster_hash,
        ts_utc=input.ts_utc,
        from_location_id=hashed_location,
        confirmed=input.confirmed,
    )


def _start(info: Info, mutation: str) -> tuple[Context, str]:
    """Check the role, forget what the loaders read before this write; return the actor."""
    ctx = info.context
    actor = authorize(ctx.user, mutation)
    ctx.loaders.clear()
    return ctx, actor


def _selection_given(input: inputs.CollectProductInput) -> bool:
    given = [v is not None for v in (input.filter, input.resolved_ids, input.roster_hash)]
    if any(given) and not all(given):
        raise ValidationError(
            "Give filter, resolvedIds and rosterHash together, or none of them to let the server"
            " find the producers.",
            field="filter",
        )
    return all(given)


def _tag_mutation(info: Info, input: Any, mutation: str, payload_type: type, result: type):
    """addTag and endTag: the same input, opposite events (`AnimalService.add_tag`/`end_tag`)."""
    ctx, actor = _start(info, mutation)
    payload = _payload(
        payload_type,
        resolved_ids=input.resolved_ids,
        tag=input.tag,
        filter=input.filter,
        notes=input.notes,
    )
    command = getattr(
        ctx.service(AnimalService), {"addTag": "add_tag", "endTag": "end_tag"}[mutation]
    )
    event = command(
        payload, input.ts_utc, actor, selection=_selection(input, None), nonce=input.nonce
    )
    return result.from_event(event)


@strawberry.type
class Mutation:
    # -- animals -------------------------------------------------------------------------------

    @strawberry.mutation
    def create_cohort(self, info: Info, input: inputs.CreateCohortInput) -> r.CreateCohortResult:
        ctx, actor = _start(info, "createCohort")
        payload = _payload(
            p.AnimalCohortCreatedPayload,
            species=input.species,
            count=input.count,
            life_stage=input.life_stage,
            sex=input.sex,
            location_id=input.location_id,
            origin=input.origin,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).create_cohort(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.CohortCreated.from_event(event)

    @strawberry.mutation
    def move_animals(self, info: Info, input: inputs.MoveAnimalsInput) -> r.MoveAnimalsResult:
        ctx, actor = _start(info, "moveAnimals")
        payload = _payload(
            p.AnimalMovedPayload,
            resolved_ids=input.resolved_ids,
            to_location_id=input.to_location_id,
            from_location_id=input.from_location_id,
            filter=input.filter,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).move_animals(
            payload,
            input.ts_utc,
            actor,
            selection=_selection(input, payload.from_location_id),
            nonce=input.nonce,
        )
        return r.AnimalsMoved.from_event(event)

    @strawberry.mutation
    def update_attributes(
        self, info: Info, input: inputs.UpdateAttributesInput
    ) -> r.UpdateAttributesResult:
        ctx, actor = _start(info, "updateAttributes")
        attributes = {
            k: _plain(v)
            for k, v in (
                ("sex", input.sex),
                ("life_stage", input.life_stage),
                ("repro_status", input.repro_status),
            )
            if v is not None
        }
        if not attributes:  # the payload's `set` is spread over three fields of this input
            raise ValidationError(
                "Say which attribute to set: sex, lifeStage or reproStatus.", field=None
            )
        payload = _payload(
            p.AnimalAttributesUpdatedPayload,
            resolved_ids=input.resolved_ids,
            set=attributes,
            filter=input.filter,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).update_attributes(
            payload, input.ts_utc, actor, selection=_selection(input, None), nonce=input.nonce
        )
        return r.AttributesUpdated.from_event(event)

    @strawberry.mutation
    def add_tag(self, info: Info, input: inputs.AddTagInput) -> r.AddTagResult:
        return _tag_mutation(info, input, "addTag", p.AnimalTaggedPayload, r.TagAdded)

    @strawberry.mutation
    def end_tag(self, info: Info, input: inputs.EndTagInput) -> r.EndTagResult:
        return _tag_mutation(info, input, "endTag", p.AnimalTagEndedPayload, r.TagEnded)

    @strawberry.mutation
    def promote_animal(self, info: Info, input: inputs.PromoteAnimalInput) -> r.PromoteAnimalResult:
        ctx, actor = _start(info, "promoteAnimal")
        payload = _payload(
            p.AnimalPromotedPayload,
            animal_id=input.animal_id,
            nickname=input.nickname,
            sex=input.sex,
            repro_status=input.repro_status,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).promote_animal(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.AnimalPromoted.from_event(event)

    @strawberry.mutation
    def record_hatch(self, info: Info, input: inputs.RecordHatchInput) -> r.RecordHatchResult:
        ctx, actor = _start(info, "recordHatch")
        payload = _payload(
            p.HatchRecordedPayload,
            species=input.species,
            location_id=input.location_id,
            assigned_brood_location_id=input.assigned_brood_location_id,
            hatched_live=input.hatched_live,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).record_hatch(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.HatchRecorded.from_event(event)

    @strawberry.mutation
    def record_outcome(self, info: Info, input: inputs.RecordOutcomeInput) -> r.RecordOutcomeResult:
        ctx, actor = _start(info, "recordOutcome")
        payload = _payload(
            p.AnimalOutcomePayload,
            resolved_ids=input.resolved_ids,
            outcome=input.outcome,
            reason=input.reason,
            yield_items=[
                {"product_code": item.product_code, "quantity": item.quantity}
                for item in input.yield_items
            ],
            filter=input.filter,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).record_outcome(
            payload, input.ts_utc, actor, selection=_selection(input, None), nonce=input.nonce
        )
        return r.OutcomeRecorded.from_event(event)

    @strawberry.mutation
    def merge_animals(self, info: Info, input: inputs.MergeAnimalsInput) -> r.MergeAnimalsResult:
        ctx, actor = _start(info, "mergeAnimals")
        payload = _payload(
            p.AnimalMergedPayload,
            survivor_id=input.survivor_id,
            merged_ids=input.merged_ids,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).merge_animals(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.AnimalsMerged.from_event(event)

    @strawberry.mutation
    def correct_status(self, info: Info, input: inputs.CorrectStatusInput) -> r.CorrectStatusResult:
        ctx, actor = _start(info, "correctStatus")
        payload = _payload(
            p.AnimalStatusCorrectedPayload,
            animal_ids=input.animal_ids,
            new_status=input.new_status,
            reason=input.reason,
            notes=input.notes,
        )
        event = ctx.service(AnimalService).correct_status(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.StatusCorrected.from_event(event)

    # -- locations -----------------------------------------------------------------------------

    @strawberry.mutation
    def create_location(
        self, info: Info, input: inputs.CreateLocationInput
    ) -> r.CreateLocationResult:
        ctx, actor = _start(info, "createLocation")
        payload = _payload(p.LocationCreatedPayload, name=input.name)
        event = ctx.service(LocationService).create_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationCreated.from_event(event)

    @strawberry.mutation
    def rename_location(
        self, info: Info, input: inputs.RenameLocationInput
    ) -> r.RenameLocationResult:
        ctx, actor = _start(info, "renameLocation")
        payload = _payload(
            p.LocationRenamedPayload, location_id=input.location_id, new_name=input.new_name
        )
        event = ctx.service(LocationService).rename_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationRenamed.from_event(event)

    @strawberry.mutation
    def archive_location(
        self, info: Info, input: inputs.ArchiveLocationInput
    ) -> r.ArchiveLocationResult:
        ctx, actor = _start(info, "archiveLocation")
        payload = _payload(p.LocationArchivedPayload, location_id=input.location_id)
        event = ctx.service(LocationService).archive_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationArchived.from_event(event)

    # -- products and feed ---------------------------------------------------------------------

    @strawberry.mutation
    def collect_product(
        self, info: Info, input: inputs.CollectProductInput
    ) -> r.CollectProductResult:
        ctx, actor = _start(info, "collectProduct")
        with_selection = _selection_given(input)
        payload = _payload(
            p.ProductCollectedPayload,
            location_id=input.location_id,
            product_code=input.product_code,
            quantity=input.quantity,
            resolved_ids=input.resolved_ids,
            filter=input.filter,
            notes=input.notes,
        )
        selection = _selection(input, payload.location_id) if with_selection else None
        event = ctx.service(ProductService).collect_product(
            payload, input.ts_utc, actor, selection=selection, nonce=input.nonce
        )
        return r.ProductCollected.from_event(event)

    @strawberry.mutation
    def sell_product(self, info: Info, input: inputs.SellProductInput) -> r.SellProductResult:
        ctx, actor = _start(info, "sellProduct")
        payload = _payload(
            p.ProductSoldPayload,
            product_code=input.product_code,
            quantity=input.quantity,
            total_price_cents=input.total_price_cents,
            buyer=input.buyer,
            notes=input.notes,
        )
        event = ctx.service(ProductService).sell_product(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.ProductSold.from_event(event, sale_shortfall(ctx.db, event))

    @strawberry.mutation
    def purchase_feed(self, info: Info, input: inputs.PurchaseFeedInput) -> r.PurchaseFeedResult:
        ctx, actor = _start(info, "purchaseFeed")
        payload = _payload(
            p.FeedPurchasedPayload,
            feed_type_code=input.feed_type_code,
            bag_size_kg=input.bag_size_kg,
            bags_count=input.bags_count,
            bag_price_cents=input.bag_price_cents,
            vendor=input.vendor,
            notes=input.notes,
        )
        event = ctx.service(FeedService).purchase_feed(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.FeedPurchased.from_event(event, balance_kg(ctx.db, payload.feed_type_code))

    @strawberry.mutation
    def give_feed(self, info: Info, input: inputs.GiveFeedInput) -> r.GiveFeedResult:
        ctx, actor = _start(info, "giveFeed")
        payload = _payload(
            p.FeedGivenPayload,
            location_id=input.location_id,
            feed_type_code=input.feed_type_code,
            amount_kg=input.amount_kg,
            notes=input.notes,
        )
        event = ctx.service(FeedService).give_feed(payload, input.ts_utc, actor, nonce=input.nonce)
        return r.FeedGiven.from_event(event, balance_kg(ctx.db, payload.feed_type_code))

    # -- event lifecycle (SPEC §12) ------------------------------------------------------------

    @strawberry.mutation
    def edit_event(self, info: Info, input: inputs.EditEventInput) -> r.EditEventResult:
        from animaltrack.services import edit

        ctx, actor = _start(info, "editEvent")
        event = edit.edit_event(
            ctx.db,
            ctx.event_store,
            ctx.registry,
            input.event_id,
            actor=actor,
            role=role_of(ctx.user),
            payload=input.payload,
            ts_utc=input.ts_utc,
            expected_version=input.expected_version,
            nonce=input.nonce,
        )
        return r.EventEdited.from_event(event)

    @strawberry.mutation
    def delete_event(self, info: Info, input: inputs.DeleteEventInput) -> r.DeleteEventResult:
        from animaltrack.services import delete

        ctx, actor = _start(info, "deleteEvent")
        tombstoned = delete.delete_event(
            ctx.db,
            ctx.event_store,
            ctx.registry,
            input.event_id,
            actor=actor,
            role=role_of(ctx.user),
            reason=input.reason,
            cascade=input.cascade,
            dry_run=input.dry_run,
            nonce=input.nonce,
        )
        event = ctx.event_store.get_event(input.event_id)
        return r.EventDeleted.from_event(event, tombstoned, input.dry_run)
