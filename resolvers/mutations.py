"""Root mutations (SPEC §13): one per command, each input → payload → service → success type.

Resolvers never catch: a domain error raised by the role check, the payload, or the service
becomes a member of the mutation's result union in `schema/errors.py`. Selection mutations pass
a `SelectionContext` to the service, which re-checks the roster inside its write transaction
(SPEC §9.2); the hashed location is the move's `fromLocationId` or the collection's
`locationId`. When the client gives no `tsUtc`, a selection is checked at the server's now and
the event is recorded at that same instant. A selection mutation's filter is checked before
anything else, since what is wrong with the ids sent (none, say) follows from a filter that does
not parse.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from animaltrack.errors import ValidationError
from animaltrack.events import payloads as p
from animaltrack.projections.feed import balance_kg
from animaltrack.selection.parser import parse_filter
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
from schema.payloads import from_api


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _payload(payload_type: type[p.Payload], **data: Any) -> p.Payload:
    """Build a payload from input fields; absent (None) fields take the payload's defaults."""
    return p.build_payload(payload_type, **{k: _plain(v) for k, v in data.items() if v is not None})


def _filter_first(input: Any) -> None:
    """Refuse a filter that does not parse before anything else in a selection mutation: the
    ids the client sends came from it, so what is wrong with them (none, say) follows from it."""
    if input.filter is not None:
        parse_filter(input.filter)


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
    _filter_first(input)
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


_INPUT = strawberry.argument(description="What to record; see the input type's fields.")


@strawberry.type(
    description="What can be recorded, each mutation answering its success type or a refusal"
    " (a `UserError`) that records nothing. Viewers may record nothing; recorders everything"
    " except what says admins only."
)
class Mutation:
    # -- animals -------------------------------------------------------------------------------

    @strawberry.mutation(description="Record animals arriving as a group of anonymous birds.")
    def create_cohort(
        self, info: Info, input: Annotated[inputs.CreateCohortInput, _INPUT]
    ) -> r.CreateCohortResult:
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

    @strawberry.mutation(
        description="Move selected animals, all at one location, to another location."
        " Send what the `selection` query answered for the filter."
    )
    def move_animals(
        self, info: Info, input: Annotated[inputs.MoveAnimalsInput, _INPUT]
    ) -> r.MoveAnimalsResult:
        ctx, actor = _start(info, "moveAnimals")
        _filter_first(input)
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

    @strawberry.mutation(
        description="Change the sex, life stage or reproductive status of selected animals."
        " Send what the `selection` query answered for the filter."
    )
    def update_attributes(
        self, info: Info, input: Annotated[inputs.UpdateAttributesInput, _INPUT]
    ) -> r.UpdateAttributesResult:
        ctx, actor = _start(info, "updateAttributes")
        _filter_first(input)
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

    @strawberry.mutation(
        description="Put a tag on selected animals."
        " Send what the `selection` query answered for the filter."
    )
    def add_tag(self, info: Info, input: Annotated[inputs.AddTagInput, _INPUT]) -> r.AddTagResult:
        return _tag_mutation(info, input, "addTag", p.AnimalTaggedPayload, r.TagAdded)

    @strawberry.mutation(
        description="Take a tag off selected animals."
        " Send what the `selection` query answered for the filter."
    )
    def end_tag(self, info: Info, input: Annotated[inputs.EndTagInput, _INPUT]) -> r.EndTagResult:
        return _tag_mutation(info, input, "endTag", p.AnimalTagEndedPayload, r.TagEnded)

    @strawberry.mutation(
        description="Give an animal a nickname, making it an identified individual."
    )
    def promote_animal(
        self, info: Info, input: Annotated[inputs.PromoteAnimalInput, _INPUT]
    ) -> r.PromoteAnimalResult:
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

    @strawberry.mutation(description="Record a hatch: new hatchlings.")
    def record_hatch(
        self, info: Info, input: Annotated[inputs.RecordHatchInput, _INPUT]
    ) -> r.RecordHatchResult:
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

    @strawberry.mutation(
        description="Record that selected animals died, were harvested (with yields) or were sold."
        " Send what the `selection` query answered for the filter."
    )
    def record_outcome(
        self, info: Info, input: Annotated[inputs.RecordOutcomeInput, _INPUT]
    ) -> r.RecordOutcomeResult:
        ctx, actor = _start(info, "recordOutcome")
        _filter_first(input)
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

    @strawberry.mutation(description="Merge animals recorded twice into one survivor. Admins only.")
    def merge_animals(
        self, info: Info, input: Annotated[inputs.MergeAnimalsInput, _INPUT]
    ) -> r.MergeAnimalsResult:
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

    @strawberry.mutation(
        description="Correct animals' status when it was recorded wrong. Admins only."
    )
    def correct_status(
        self, info: Info, input: Annotated[inputs.CorrectStatusInput, _INPUT]
    ) -> r.CorrectStatusResult:
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

    @strawberry.mutation(description="Create a location.")
    def create_location(
        self, info: Info, input: Annotated[inputs.CreateLocationInput, _INPUT]
    ) -> r.CreateLocationResult:
        ctx, actor = _start(info, "createLocation")
        payload = _payload(p.LocationCreatedPayload, name=input.name)
        event = ctx.service(LocationService).create_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationCreated.from_event(event)

    @strawberry.mutation(description="Rename a location. Admins only.")
    def rename_location(
        self, info: Info, input: Annotated[inputs.RenameLocationInput, _INPUT]
    ) -> r.RenameLocationResult:
        ctx, actor = _start(info, "renameLocation")
        payload = _payload(
            p.LocationRenamedPayload, location_id=input.location_id, new_name=input.new_name
        )
        event = ctx.service(LocationService).rename_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationRenamed.from_event(event)

    @strawberry.mutation(description="Take a location out of use. Admins only.")
    def archive_location(
        self, info: Info, input: Annotated[inputs.ArchiveLocationInput, _INPUT]
    ) -> r.ArchiveLocationResult:
        ctx, actor = _start(info, "archiveLocation")
        payload = _payload(p.LocationArchivedPayload, location_id=input.location_id)
        event = ctx.service(LocationService).archive_location(
            payload, input.ts_utc, actor, nonce=input.nonce
        )
        return r.LocationArchived.from_event(event)

    # -- products and feed ---------------------------------------------------------------------

    @strawberry.mutation(
        description="Record a product collected at a location, such as the day's eggs. The"
        " producers are found by the server, or named with what the `selection` query answered."
    )
    def collect_product(
        self, info: Info, input: Annotated[inputs.CollectProductInput, _INPUT]
    ) -> r.CollectProductResult:
        ctx, actor = _start(info, "collectProduct")
        _filter_first(input)
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

    @strawberry.mutation(description="Record a sale of a product.")
    def sell_product(
        self, info: Info, input: Annotated[inputs.SellProductInput, _INPUT]
    ) -> r.SellProductResult:
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

    @strawberry.mutation(description="Record bags of feed bought.")
    def purchase_feed(
        self, info: Info, input: Annotated[inputs.PurchaseFeedInput, _INPUT]
    ) -> r.PurchaseFeedResult:
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

    @strawberry.mutation(description="Record feed given at a location.")
    def give_feed(
        self, info: Info, input: Annotated[inputs.GiveFeedInput, _INPUT]
    ) -> r.GiveFeedResult:
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

    @strawberry.mutation(
        description="Change a recorded event's payload or time; the old version is kept."
        " Recorders edit only their own events."
    )
    def edit_event(
        self, info: Info, input: Annotated[inputs.EditEventInput, _INPUT]
    ) -> r.EditEventResult:
        from animaltrack.services import edit

        ctx, actor = _start(info, "editEvent")
        event = edit.edit_event(
            ctx.db,
            ctx.event_store,
            ctx.registry,
            input.event_id,
            actor=actor,
            role=role_of(ctx.user),
            payload=None if input.payload is None else from_api(input.payload),
            ts_utc=input.ts_utc,
            expected_version=input.expected_version,
            nonce=input.nonce,
        )
        return r.EventEdited.from_event(event)

    @strawberry.mutation(
        description="Delete an event (it stays in the log, marked deleted). Recorders delete"
        " only their own events that nothing depends on."
    )
    def delete_event(
        self, info: Info, input: Annotated[inputs.DeleteEventInput, _INPUT]
    ) -> r.DeleteEventResult:
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
