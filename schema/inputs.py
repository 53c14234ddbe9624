"""One input per mutation (SPEC §13), named `<Mutation>Input`.

Every input takes an optional `tsUtc` (when it happened; default: when the server receives it),
`notes` where the event has them, and an optional `nonce` (at most 64 characters, SPEC §9.4).
Selection mutations take `filter`, `resolvedIds`, `rosterHash` and `confirmed` the same way,
exactly as the `selection` query returned them; `collectProduct` may leave all four out.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from schema.enums import AnimalStatus, LifeStage, Origin, Outcome, ReproStatus, Sex
from schema.scalars import JSON, DateTime

ID = strawberry.ID


@strawberry.input
class CreateCohortInput:
    species: str
    count: int
    life_stage: LifeStage
    location_id: ID
    sex: Sex = Sex.UNKNOWN
    origin: Origin = Origin.UNKNOWN
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class MoveAnimalsInput:
    filter: str
    resolved_ids: list[ID]
    roster_hash: str
    to_location_id: ID
    from_location_id: ID | None = None
    ts_utc: DateTime | None = None
    confirmed: bool = False
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class UpdateAttributesInput:
    filter: str
    resolved_ids: list[ID]
    roster_hash: str
    sex: Sex | None = None
    life_stage: LifeStage | None = None
    repro_status: ReproStatus | None = None
    ts_utc: DateTime | None = None
    confirmed: bool = False
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class AddTagInput:
    filter: str
    resolved_ids: list[ID]
    roster_hash: str
    tag: str
    ts_utc: DateTime | None = None
    confirmed: bool = False
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class EndTagInput:
    filter: str
    resolved_ids: list[ID]
    roster_hash: str
    tag: str
    ts_utc: DateTime | None = None
    confirmed: bool = False
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class PromoteAnimalInput:
    animal_id: ID
    nickname: str
    sex: Sex | None = None
    repro_status: ReproStatus | None = None
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class RecordHatchInput:
    species: str
    location_id: ID
    hatched_live: int
    assigned_brood_location_id: ID | None = None
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class YieldItemInput:
    product_code: str
    quantity: Decimal = strawberry.field(description="kg, at most 3 decimals.")


@strawberry.input
class RecordOutcomeInput:
    filter: str
    resolved_ids: list[ID]
    roster_hash: str
    outcome: Outcome
    reason: str | None = None
    yield_items: list[YieldItemInput] = strawberry.field(default_factory=list)
    ts_utc: DateTime | None = None
    confirmed: bool = False
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class MergeAnimalsInput:
    survivor_id: ID
    merged_ids: list[ID]
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class CorrectStatusInput:
    animal_ids: list[ID]
    new_status: AnimalStatus
    reason: str
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class CreateLocationInput:
    name: str
    ts_utc: DateTime | None = None
    nonce: str | None = None


@strawberry.input
class RenameLocationInput:
    location_id: ID
    new_name: str
    ts_utc: DateTime | None = None
    nonce: str | None = None


@strawberry.input
class ArchiveLocationInput:
    location_id: ID
    ts_utc: DateTime | None = None
    nonce: str | None = None


@strawberry.input
class CollectProductInput:
    location_id: ID
    product_code: str
    quantity: Decimal
    filter: str | None = None
    resolved_ids: list[ID] | None = None
    roster_hash: str | None = None
    confirmed: bool = False
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class SellProductInput:
    product_code: str
    quantity: Decimal
    total_price_cents: int
    buyer: str | None = None
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class PurchaseFeedInput:
    feed_type_code: str
    bags_count: int
    bag_price_cents: int
    bag_size_kg: int | None = strawberry.field(
        default=None, description="Default: the feed type's bag size."
    )
    vendor: str | None = None
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input
class GiveFeedInput:
    location_id: ID
    feed_type_code: str
    amount_kg: int
    ts_utc: DateTime | None = None
    notes: str | None = None
    nonce: str | None = None


@strawberry.input(
    description="Change an event's payload fields and/or its time; the old version is kept"
    " among its revisions."
)
class EditEventInput:
    event_id: ID
    payload: JSON | None = strawberry.field(
        default=None,
        description="The fields to change, in the shape of `Event.payload` (camelCase keys, enum"
        ' values as this API\'s enums spell them, e.g. `{"lifeStage": "ADULT", "notes": "..."}`);'
        " fields left out keep their values. Omit it to change only `tsUtc`.",
    )
    ts_utc: DateTime | None = None
    expected_version: int | None = strawberry.field(
        default=None, description="The version the edit is based on; a stale one is refused."
    )
    nonce: str | None = None


@strawberry.input(description="Delete an event by writing a tombstone (SPEC §12).")
class DeleteEventInput:
    event_id: ID
    reason: str | None = None
    cascade: bool = strawberry.field(
        default=False, description="Admins only: delete its dependents too."
    )
    dry_run: bool = strawberry.field(
        default=False, description="List what would be deleted and write nothing."
    )
    nonce: str | None = None
