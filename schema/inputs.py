"""One input per mutation (SPEC §13), named `<Mutation>Input`.

Every input takes an optional `tsUtc` (when it happened; default: when the server receives it),
`notes` where the event has them, and an optional `nonce` (at most 64 characters, SPEC §9.4).
Selection mutations take `filter`, `resolvedIds`, `rosterHash` and `confirmed` the same way,
exactly as the `selection` query returned them; `collectProduct` may leave all four out.
Descriptions shared by many inputs live in `schema/docs.py`.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from schema import docs
from schema.enums import AnimalStatus, LifeStage, Origin, Outcome, ReproStatus, Sex
from schema.scalars import JSON, DateTime

ID = strawberry.ID


def _d(description: str, **kwargs):
    """An input field with a description (and, through `kwargs`, a default)."""
    return strawberry.field(description=description, **kwargs)


def _ts():
    return _d(docs.TS_UTC, default=None)


def _notes():
    return _d(docs.NOTES, default=None)


def _nonce():
    return _d(docs.NONCE, default=None)


def _confirmed():
    return _d(docs.CONFIRMED, default=False)


_LOCATION_THEN = "The location's id; it must be active at `tsUtc`."
_QUANTITY = (
    "How much: whole pieces (at least 1) for a product counted in pieces, kilograms with at"
    " most 3 decimals (more than 0) for one counted in kg; at most 1 000 000."
)
_TAG = (
    "The tag. It is normalised: lower-cased and trimmed, inner spaces become `-`, characters"
    " other than a-z, 0-9, `:`, `_` and `-` are dropped; 1 to 32 characters must remain."
)
_SELECTED = " The animals are chosen with a filter, checked against what the client saw."


@strawberry.input(
    description="Animals arriving together as a group of anonymous birds: `count` new animals,"
    " alike, each with its own id."
)
class CreateCohortInput:
    species: str = _d(docs.SPECIES_CODE + " The species must be active.")
    count: int = _d("How many animals, 1 to 10 000.")
    life_stage: LifeStage = _d("Their life stage.")
    location_id: ID = _d("Where they arrive. " + _LOCATION_THEN)
    sex: Sex = _d("Their sex (default UNKNOWN).", default=Sex.UNKNOWN)
    origin: Origin = _d("Where they came from (default UNKNOWN).", default=Origin.UNKNOWN)
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Move animals that are all at one location to another location." + _SELECTED
)
class MoveAnimalsInput:
    filter: str = _d(docs.FILTER)
    resolved_ids: list[ID] = _d(docs.RESOLVED_IDS)
    roster_hash: str = _d(docs.ROSTER_HASH)
    to_location_id: ID = _d(
        "Where they go: a location active at `tsUtc`, other than where they are."
    )
    from_location_id: ID | None = _d(
        "Where they are, to have it checked (optional). The roster hash is taken with this"
        " location: give the `selection` query the same `fromLocationId`.",
        default=None,
    )
    ts_utc: DateTime | None = _ts()
    confirmed: bool = _confirmed()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Change the sex, life stage or reproductive status of animals; give at least"
    " one. An animal for which nothing changes is left as it was." + _SELECTED
)
class UpdateAttributesInput:
    filter: str = _d(docs.FILTER)
    resolved_ids: list[ID] = _d(docs.RESOLVED_IDS)
    roster_hash: str = _d(docs.ROSTER_HASH)
    sex: Sex | None = _d("The new sex; omit to leave it.", default=None)
    life_stage: LifeStage | None = _d("The new life stage; omit to leave it.", default=None)
    repro_status: ReproStatus | None = _d(
        "The new reproductive status; omit to leave it.", default=None
    )
    ts_utc: DateTime | None = _ts()
    confirmed: bool = _confirmed()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Put a tag on animals; an animal that already has it is left as it is." + _SELECTED
)
class AddTagInput:
    filter: str = _d(docs.FILTER)
    resolved_ids: list[ID] = _d(docs.RESOLVED_IDS)
    roster_hash: str = _d(docs.ROSTER_HASH)
    tag: str = _d(_TAG)
    ts_utc: DateTime | None = _ts()
    confirmed: bool = _confirmed()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Take a tag off animals; an animal that does not have it is left as it is."
    + _SELECTED
)
class EndTagInput:
    filter: str = _d(docs.FILTER)
    resolved_ids: list[ID] = _d(docs.RESOLVED_IDS)
    roster_hash: str = _d(docs.ROSTER_HASH)
    tag: str = _d(_TAG)
    ts_utc: DateTime | None = _ts()
    confirmed: bool = _confirmed()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Give a living animal a nickname, making it an identified individual;"
    " promoting an animal already identified renames it."
)
class PromoteAnimalInput:
    animal_id: ID = _d("The animal's id; it must be alive at `tsUtc`.")
    nickname: str = _d(
        "1 to 64 characters, unique (ignoring case) among the animals alive then or later."
    )
    sex: Sex | None = _d("Its sex, if you set it at the same time.", default=None)
    repro_status: ReproStatus | None = _d(
        "Its reproductive status, if you set it at the same time.", default=None
    )
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="A hatch: `hatchedLive` new animals, at life stage HATCHLING, sex UNKNOWN and"
    " origin HATCHED."
)
class RecordHatchInput:
    species: str = _d(docs.SPECIES_CODE)
    location_id: ID = _d(
        "Where they hatched; the hatchlings live here unless a brood location is given."
    )
    hatched_live: int = _d("How many hatched alive, 1 to 10 000.")
    assigned_brood_location_id: ID | None = _d(
        "Where the hatchlings are raised, when not where they hatched.", default=None
    )
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(description="One product a harvest gave, and how much of it.")
class YieldItemInput:
    product_code: str = _d("A yield product counted in kg, such as meat or feathers.")
    quantity: Decimal = _d(
        "How much, in kg: more than 0, at most 3 decimals, at most 1 000 000. Items of one"
        " product are added up."
    )


@strawberry.input(
    description="Animals leave the living flock: they died, were harvested or sold, or were"
    " taken by a predator. Their stay at their location ends then." + _SELECTED
)
class RecordOutcomeInput:
    filter: str = _d(docs.FILTER)
    resolved_ids: list[ID] = _d(docs.RESOLVED_IDS)
    roster_hash: str = _d(docs.ROSTER_HASH)
    outcome: Outcome = _d("What happened; it sets their status.")
    reason: str | None = _d("Why, in words (optional, at most 2 000 characters).", default=None)
    yield_items: list[YieldItemInput] = _d(
        "What the harvest gave, per product; only with outcome HARVEST (default: none).",
        default_factory=list,
    )
    ts_utc: DateTime | None = _ts()
    confirmed: bool = _confirmed()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Animals found to be recorded twice: merge them into one survivor. Admins only."
)
class MergeAnimalsInput:
    survivor_id: ID = _d("The animal that stays.")
    merged_ids: list[ID] = _d(
        "The animals merged into the survivor: distinct, not the survivor, all alive and of its"
        " species. Their ids then stand for the survivor; commands refuse them."
    )
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Correct animals' status when it was recorded wrong, from `tsUtc` on. Admins"
    " only. To undo a wrong outcome, edit or delete the outcome's event instead."
)
class CorrectStatusInput:
    animal_ids: list[ID] = _d("The animals, by id (no filter here).")
    new_status: AnimalStatus = _d(
        "ALIVE, DEAD, HARVESTED or SOLD, different from their status then. An animal corrected"
        " to ALIVE rejoins the location it was last at, which must be active."
    )
    reason: str = _d("Why; required, at most 2 000 characters.")
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


_LOCATION_NAME = "1 to 64 characters, unique among locations ignoring case."


@strawberry.input(description="A new location.")
class CreateLocationInput:
    name: str = _d("Its name: " + _LOCATION_NAME)
    ts_utc: DateTime | None = _ts()
    nonce: str | None = _nonce()


@strawberry.input(description="Rename a location. Admins only.")
class RenameLocationInput:
    location_id: ID = _d("The location's id.")
    new_name: str = _d("Its new name: " + _LOCATION_NAME)
    ts_utc: DateTime | None = _ts()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Take a location out of use; refused while a live animal is there at `tsUtc`"
    " or later. Admins only."
)
class ArchiveLocationInput:
    location_id: ID = _d("The location's id.")
    ts_utc: DateTime | None = _ts()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Something collected at a location, such as the day's eggs. Leave `filter`,"
    " `resolvedIds` and `rosterHash` all out to let the server take as producers the live"
    " animals of the product's species at the location then; give all three to name them."
)
class CollectProductInput:
    location_id: ID = _d(
        "Where it was collected. The roster hash of a selection is taken with this location:"
        " give the `selection` query the same `locationId`."
    )
    product_code: str = _d(docs.PRODUCT_CODE + " It must be collectable.")
    quantity: Decimal = _d(_QUANTITY)
    filter: str | None = _d(docs.FILTER, default=None)
    resolved_ids: list[ID] | None = _d(docs.RESOLVED_IDS, default=None)
    roster_hash: str | None = _d(docs.ROSTER_HASH, default=None)
    confirmed: bool = _confirmed()
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(description="A sale of a product.")
class SellProductInput:
    product_code: str = _d(docs.PRODUCT_CODE + " It must be sellable.")
    quantity: Decimal = _d(_QUANTITY)
    total_price_cents: int = _d(
        "What the buyer paid in all, in cents, 0 to 1 000 000 000 (the unit price kept is this"
        " divided by the quantity, rounded down)."
    )
    buyer: str | None = _d("Who bought it (optional, at most 2 000 characters).", default=None)
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Bags of feed bought: adds `bagSizeKg × bagsCount` kg to the stock of the feed"
    " type, and sets the price per kg of the feed given from then on."
)
class PurchaseFeedInput:
    feed_type_code: str = _d(docs.FEED_TYPE_CODE)
    bags_count: int = _d("How many bags, 1 to 10 000.")
    bag_price_cents: int = _d(
        "The price of one bag in cents, 0 to 10 000 000. The price per kg is this divided by"
        " the bag size, rounded half up to a whole cent."
    )
    bag_size_kg: int | None = _d(
        "Kilograms per bag, 1 to 1 000 (default: the feed type's bag size).", default=None
    )
    vendor: str | None = _d("Who sold it (optional, at most 2 000 characters).", default=None)
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Feed given at a location. Refused when no purchase of that feed type lies at"
    " or before `tsUtc`; the stock may go negative, and the answer then carries a warning."
)
class GiveFeedInput:
    location_id: ID = _d("Where it was given. " + _LOCATION_THEN)
    feed_type_code: str = _d(docs.FEED_TYPE_CODE)
    amount_kg: int = _d("How much, in whole kilograms, 1 to 100 000.")
    ts_utc: DateTime | None = _ts()
    notes: str | None = _notes()
    nonce: str | None = _nonce()


@strawberry.input(
    description="Change a recorded event's payload fields and/or its time. A new version is"
    " recorded and the old one kept in `Event.revisions`; the change must leave the farm's"
    " history valid. Recorders may edit only their own events."
)
class EditEventInput:
    event_id: ID = _d("The event's id.")
    payload: JSON | None = _d(
        "The payload fields to change, in the shape of `Event.payload` (camelCase keys, enum"
        ' values as this API\'s enums spell them, e.g. `{"lifeStage": "ADULT", "notes": "..."}`);'
        " fields left out keep their value. The type, actor, a cohort's count and a hatch's"
        " number cannot change. Omit to keep the payload.",
        default=None,
    )
    ts_utc: DateTime | None = _d("The event's new time (UTC); omit to keep it.", default=None)
    expected_version: int | None = _d(
        "The version the edit is based on; when the event was edited since, the edit is refused"
        " with VersionConflict. Omit to skip the check.",
        default=None,
    )
    nonce: str | None = _nonce()


@strawberry.input(
    description="Delete an event by writing a tombstone: it stays in the log, marked deleted,"
    " and leaves every roster and figure. Recorders may delete only their own events."
)
class DeleteEventInput:
    event_id: ID = _d("The event's id.")
    reason: str | None = _d("Why (optional, at most 2 000 characters).", default=None)
    cascade: bool = _d(
        "Admins only: delete, with it, every later event that depends on it (those naming an"
        " animal it created, those about a location it created, feedings whose only purchase it"
        " is). Without it such a delete is refused with DependentEvents.",
        default=False,
    )
    dry_run: bool = _d("List what would be deleted and write nothing.", default=False)
    nonce: str | None = _nonce()
