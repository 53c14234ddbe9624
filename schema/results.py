"""Mutation results (SPEC §13): one success type and one result union per mutation.

Every success type implements `MutationSuccess` (`event`, `warnings`) and adds what the client
needs next (the new animals' ids, the location, the tombstoned ids). Every union holds
`ValidationError`, `NotFound`, `Forbidden` and `ClockSkew`; selection mutations add
`SelectionMismatch` and `FilterSyntaxError`; mutations that can break history add
`HistoryConflict`; `editEvent` adds `VersionConflict`; `deleteEvent` adds `DependentEvents`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from typing import Annotated, Any

import strawberry

from animaltrack.events.model import Event as DomainEvent
from animaltrack.queries.subjects import Subjects
from animaltrack.services.readmodels import SaleShortfall
from schema import docs
from schema.errors import (
    COMMON_ERRORS,
    SELECTION_ERRORS,
    DependentEvents,
    HistoryConflict,
    VersionConflict,
)
from schema.scalars import Long
from schema.types.animals import Animal
from schema.types.events import Event
from schema.types.locations import Location

ID = strawberry.ID

NEGATIVE_FEED_STOCK = "NEGATIVE_FEED_STOCK"
# A sale of more of a product than was collected and harvested, less earlier sales.
SOLD_MORE_THAN_STOCK = "SOLD_MORE_THAN_STOCK"


@strawberry.type(name="Warning", description="The command succeeded, but look at this.")
class MutationWarning:
    code: str = strawberry.field(
        description="A stable code to test on, such as NEGATIVE_FEED_STOCK (more feed given"
        " than recorded as bought)."
    )
    message: str = strawberry.field(description="What to look at, in words.")


@strawberry.interface(description="What every successful mutation answers.")
class MutationSuccess:
    event: Event = strawberry.field(description=docs.EVENT)
    warnings: list[MutationWarning] = strawberry.field(description=docs.WARNINGS)


def _base(event: DomainEvent, warnings: Iterable[MutationWarning] = ()) -> dict[str, Any]:
    return {"event": Event.from_event(event), "warnings": list(warnings)}


def _subjects(info: strawberry.Info, event: Event) -> Subjects:
    return info.context.loaders.subjects.load(str(event.id))


def _location(info: strawberry.Info, location_id: str) -> Location | None:
    record = info.context.loaders.location.load(location_id)
    return Location.from_record(record) if record else None


# -- animals -----------------------------------------------------------------------------------


@strawberry.type(description="createCohort succeeded.")
class CohortCreated(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description="The new animals, by id.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> CohortCreated:
        return cls(**_base(event), animal_ids=event.entity_refs["animal_ids"])


@strawberry.type(description="moveAnimals succeeded.")
class AnimalsMoved(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description="The animals actually moved.")
    to_location_id: ID = strawberry.field(description="Where they went.")

    @strawberry.field(
        description="Where the animals came from: the location you named, or where they were"
        " just before the move as history now tells it."
    )
    def from_location_id(self, info: strawberry.Info) -> ID | None:
        source = _subjects(info, self.event).from_location_id
        return ID(source) if source else None

    @classmethod
    def from_event(cls, event: DomainEvent) -> AnimalsMoved:
        p = event.payload
        return cls(**_base(event), animal_ids=p["resolved_ids"], to_location_id=p["to_location_id"])


@strawberry.type(description="updateAttributes succeeded.")
class AttributesUpdated(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description=docs.ANIMAL_IDS)

    @classmethod
    def from_event(cls, event: DomainEvent) -> AttributesUpdated:
        return cls(**_base(event), animal_ids=event.payload["resolved_ids"])


@strawberry.type(description="addTag succeeded.")
class TagAdded(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description=docs.ANIMAL_IDS)
    tag: str = strawberry.field(description="The tag as normalised.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> TagAdded:
        p = event.payload
        return cls(**_base(event), animal_ids=p["resolved_ids"], tag=p["tag"])


@strawberry.type(description="endTag succeeded.")
class TagEnded(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description=docs.ANIMAL_IDS)
    tag: str = strawberry.field(description="The tag as normalised.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> TagEnded:
        p = event.payload
        return cls(**_base(event), animal_ids=p["resolved_ids"], tag=p["tag"])


@strawberry.type(description="promoteAnimal succeeded.")
class AnimalPromoted(MutationSuccess):
    animal_id: ID = strawberry.field(description="The promoted animal's id.")
    nickname: str = strawberry.field(description="Its nickname.")

    @strawberry.field(description="The promoted animal, as it is now.")
    def animal(self, info: strawberry.Info) -> Animal | None:
        snapshot = info.context.loaders.animal.load(self.animal_id)
        return Animal.from_snapshot(snapshot) if snapshot else None

    @classmethod
    def from_event(cls, event: DomainEvent) -> AnimalPromoted:
        p = event.payload
        return cls(**_base(event), animal_id=p["animal_id"], nickname=p["nickname"])


@strawberry.type(description="recordHatch succeeded.")
class HatchRecorded(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description="The hatchlings, by id.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> HatchRecorded:
        return cls(**_base(event), animal_ids=event.entity_refs["animal_ids"])


@strawberry.type(description="recordOutcome succeeded.")
class OutcomeRecorded(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description=docs.ANIMAL_IDS)

    @classmethod
    def from_event(cls, event: DomainEvent) -> OutcomeRecorded:
        return cls(**_base(event), animal_ids=event.payload["resolved_ids"])


@strawberry.type(description="mergeAnimals succeeded.")
class AnimalsMerged(MutationSuccess):
    survivor_id: ID = strawberry.field(description="The animal that stays.")
    merged_ids: list[ID] = strawberry.field(description="The animals merged into it.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> AnimalsMerged:
        p = event.payload
        return cls(**_base(event), survivor_id=p["survivor_id"], merged_ids=p["merged_ids"])


@strawberry.type(description="correctStatus succeeded.")
class StatusCorrected(MutationSuccess):
    animal_ids: list[ID] = strawberry.field(description="The animals whose status was corrected.")

    @classmethod
    def from_event(cls, event: DomainEvent) -> StatusCorrected:
        return cls(**_base(event), animal_ids=event.payload["animal_ids"])


# -- locations ---------------------------------------------------------------------------------


@strawberry.interface(description="What a mutation of a location answers.")
class LocationChange(MutationSuccess):
    location_id: ID = strawberry.field(description="The location's id.")

    @strawberry.field(description="The location, as it is now.")
    def location(self, info: strawberry.Info) -> Location | None:
        return _location(info, self.location_id)

    @classmethod
    def from_event(cls, event: DomainEvent):
        return cls(**_base(event), location_id=event.payload["location_id"])


@strawberry.type(description="createLocation succeeded.")
class LocationCreated(LocationChange):
    pass


@strawberry.type(description="renameLocation succeeded.")
class LocationRenamed(LocationChange):
    pass


@strawberry.type(description="archiveLocation succeeded.")
class LocationArchived(LocationChange):
    pass


# -- products and feed -------------------------------------------------------------------------


@strawberry.type(description="collectProduct succeeded.")
class ProductCollected(MutationSuccess):
    @strawberry.field(
        description="The producers: the ids given, or the animals of the product's species"
        " living at the location at that time."
    )
    def animal_ids(self, info: strawberry.Info) -> list[ID]:
        return [ID(a) for a in _subjects(info, self.event).animal_ids]

    @classmethod
    def from_event(cls, event: DomainEvent) -> ProductCollected:
        return cls(**_base(event))


@strawberry.type(description="sellProduct succeeded.")
class ProductSold(MutationSuccess):
    @classmethod
    def from_event(cls, event: DomainEvent, shortfall: SaleShortfall | None = None) -> ProductSold:
        warnings = []
        if shortfall is not None:
            what = "kg" if shortfall.unit == "kg" else "piece(s)"
            warnings.append(
                MutationWarning(
                    code=SOLD_MORE_THAN_STOCK,
                    message=(
                        f"You sold {shortfall.sold} {what} of {shortfall.name} but only"
                        f" {shortfall.available} were collected or harvested before, less"
                        " what was sold earlier. The sale is recorded; record the collection"
                        " or harvest that is missing."
                    ),
                )
            )
        return cls(**_base(event, warnings))


@strawberry.type(description="purchaseFeed succeeded.")
class FeedPurchased(MutationSuccess):
    balance_kg: Long = strawberry.field(
        description="The farm's stock of this feed type now, in kg, the purchase included."
    )

    @classmethod
    def from_event(cls, event: DomainEvent, balance_kg: int) -> FeedPurchased:
        return cls(**_base(event), balance_kg=balance_kg)


@strawberry.type(
    description="giveFeed succeeded; a NEGATIVE_FEED_STOCK warning says when the stock went"
    " below zero."
)
class FeedGiven(MutationSuccess):
    balance_kg: Long = strawberry.field(
        description="The farm's stock of this feed type now, in kg; may be negative."
    )

    @classmethod
    def from_event(cls, event: DomainEvent, balance_kg: int) -> FeedGiven:
        warnings = []
        if balance_kg < 0:
            warnings.append(
                MutationWarning(
                    code=NEGATIVE_FEED_STOCK,
                    message=(
                        f"The recorded stock of {event.payload['feed_type_code']} is now"
                        f" {balance_kg} kg; record the purchase that is missing."
                    ),
                )
            )
        return cls(**_base(event, warnings), balance_kg=balance_kg)


# -- event lifecycle ---------------------------------------------------------------------------


@strawberry.type(description="editEvent succeeded; `event` is the new version.")
class EventEdited(MutationSuccess):
    @classmethod
    def from_event(cls, event: DomainEvent) -> EventEdited:
        return cls(**_base(event))


@strawberry.type(description="deleteEvent succeeded (or, on a dry run, would succeed).")
class EventDeleted(MutationSuccess):
    tombstoned_event_ids: list[ID] = strawberry.field(
        description="Every event deleted (or, on a dry run, that would be): the event and, with"
        " cascade, its dependents."
    )
    dry_run: bool = strawberry.field(description="Whether this was a dry run (nothing written).")

    @classmethod
    def from_event(cls, event: DomainEvent, tombstoned: list[str], dry_run: bool):
        return cls(**_base(event), tombstoned_event_ids=tombstoned, dry_run=dry_run)


# -- result unions -----------------------------------------------------------------------------


def _result(name: str, success: type, *errors: type):
    members = functools.reduce(operator.or_, (success, *COMMON_ERRORS, *errors))
    mutation = name.removesuffix("Result")
    mutation = mutation[0].lower() + mutation[1:]
    description = (
        f"What {mutation} answers: `{success.__name__}` when it succeeded, else the refusal"
        " (a type implementing `UserError`); a refusal records nothing."
    )
    return Annotated[members, strawberry.union(name, description=description)]


_SELECTION = (*SELECTION_ERRORS, HistoryConflict)

CreateCohortResult = _result("CreateCohortResult", CohortCreated, HistoryConflict)
MoveAnimalsResult = _result("MoveAnimalsResult", AnimalsMoved, *_SELECTION)
UpdateAttributesResult = _result("UpdateAttributesResult", AttributesUpdated, *_SELECTION)
AddTagResult = _result("AddTagResult", TagAdded, *_SELECTION)
EndTagResult = _result("EndTagResult", TagEnded, *_SELECTION)
PromoteAnimalResult = _result("PromoteAnimalResult", AnimalPromoted, HistoryConflict)
RecordHatchResult = _result("RecordHatchResult", HatchRecorded, HistoryConflict)
RecordOutcomeResult = _result("RecordOutcomeResult", OutcomeRecorded, *_SELECTION)
MergeAnimalsResult = _result("MergeAnimalsResult", AnimalsMerged, HistoryConflict)
CorrectStatusResult = _result("CorrectStatusResult", StatusCorrected, HistoryConflict)
CreateLocationResult = _result("CreateLocationResult", LocationCreated, HistoryConflict)
RenameLocationResult = _result("RenameLocationResult", LocationRenamed, HistoryConflict)
ArchiveLocationResult = _result("ArchiveLocationResult", LocationArchived, HistoryConflict)
CollectProductResult = _result("CollectProductResult", ProductCollected, *_SELECTION)
SellProductResult = _result("SellProductResult", ProductSold)
PurchaseFeedResult = _result("PurchaseFeedResult", FeedPurchased)
GiveFeedResult = _result("GiveFeedResult", FeedGiven)
EditEventResult = _result("EditEventResult", EventEdited, HistoryConflict, VersionConflict)
DeleteEventResult = _result("DeleteEventResult", EventDeleted, HistoryConflict, DependentEvents)
