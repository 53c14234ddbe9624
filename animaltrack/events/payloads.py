"""One frozen Pydantic payload per event type (SPEC §5).

Payloads validate what can be checked without the database: types, ranges, enums, ULID shape,
tag normalisation, kg precision. Services add the checks that need the database. Payloads are
stored with `model_dump(mode="json")` and rebuilt by type through `PAYLOAD_TYPES`.

Every number has a range under which no sum the read models keep can overflow (SQLite's 64-bit
integers, and 2^53 for what the API returns): a quantity is at most `MAX_QUANTITY`, feed and
prices have caps far above any farm's needs. Caps bind commands and edits (`build_payload`,
`revised`); events already stored are read as the dicts they are, never re-validated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from animaltrack.errors import ValidationError as DomainValidationError
from animaltrack.events import types as t
from animaltrack.events.enums import AnimalStatus, LifeStage, Origin, Outcome, ReproStatus, Sex
from animaltrack.events.ids import is_ulid
from animaltrack.events.tags import normalize_tag

MAX_COHORT = 10_000
MAX_TEXT = 2000  # notes, filters, reasons
MAX_QUANTITY = 1_000_000  # kg or pieces in one event
MAX_BAG_KG = 1_000
MAX_BAGS = 10_000
MAX_BAG_PRICE_CENTS = 10_000_000  # 100 000 euros a bag
MAX_SALE_CENTS = 1_000_000_000  # 10 million euros a sale
MAX_FEED_GIVEN_KG = 100_000


def _ulid(value: str) -> str:
    """ULID shape, upper-cased; a ValueError lets `build_payload` name the field at fault."""
    if not is_ulid(value):
        raise ValueError(f"'{value}' is not a valid id (26 letters and digits)")
    return value.upper()


def _tag(value: str) -> str:
    try:
        return normalize_tag(value)
    except DomainValidationError as error:
        raise ValueError(error.message) from None


Id = Annotated[str, AfterValidator(_ulid)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Tag = Annotated[str, AfterValidator(_tag)]


def _distinct_ids(ids: list[str]) -> list[str]:
    if not ids:
        raise ValueError("names no animal; select at least one")
    if len(set(ids)) != len(ids):
        raise ValueError("the same animal is listed twice")
    return ids


IdList = Annotated[list[Id], Field(max_length=MAX_COHORT), AfterValidator(_distinct_ids)]


def _positive_quantity(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise ValueError("the quantity must be more than zero")
    if value > MAX_QUANTITY:
        raise ValueError(f"the quantity can be at most {MAX_QUANTITY:,} in one event")
    if value.as_tuple().exponent < -3:
        raise ValueError("the quantity has more than 3 decimals (grams are the smallest unit)")
    return value.normalize() if value == value.to_integral_value() else value


Quantity = Annotated[Decimal, AfterValidator(_positive_quantity)]


class Payload(BaseModel):
    """Base of every payload: frozen, refusing unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)


P = TypeVar("P", bound=Payload)


class AttributeSet(Payload):
    sex: Sex | None = None
    life_stage: LifeStage | None = None
    repro_status: ReproStatus | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> AttributeSet:
        if self.sex is None and self.life_stage is None and self.repro_status is None:
            raise ValueError("say which attribute to set: sex, life stage or repro status")
        return self


class YieldItem(Payload):
    product_code: Code
    quantity: Quantity


class LocationCreatedPayload(Payload):
    name: Name
    location_id: Id | None = None


class LocationRenamedPayload(Payload):
    location_id: Id
    new_name: Name


class LocationArchivedPayload(Payload):
    location_id: Id


class AnimalCohortCreatedPayload(Payload):
    species: Code
    count: int = Field(ge=1, le=MAX_COHORT)
    life_stage: LifeStage
    sex: Sex = Sex.UNKNOWN
    location_id: Id
    origin: Origin = Origin.UNKNOWN
    notes: Text | None = None


class AnimalMovedPayload(Payload):
    resolved_ids: IdList
    to_location_id: Id
    from_location_id: Id | None = None
    filter: Text | None = None
    notes: Text | None = None


class AnimalAttributesUpdatedPayload(Payload):
    resolved_ids: IdList
    set: AttributeSet
    filter: Text | None = None
    notes: Text | None = None


class AnimalTaggedPayload(Payload):
    resolved_ids: IdList
    tag: Tag
    filter: Text | None = None
    notes: Text | None = None


class AnimalTagEndedPayload(Payload):
    resolved_ids: IdList
    tag: Tag
    filter: Text | None = None
    notes: Text | None = None


class AnimalPromotedPayload(Payload):
    animal_id: Id
    nickname: Name
    sex: Sex | None = None
    repro_status: ReproStatus | None = None
    notes: Text | None = None


class HatchRecordedPayload(Payload):
    species: Code
    location_id: Id
    assigned_brood_location_id: Id | None = None
    hatched_live: int = Field(ge=1, le=MAX_COHORT)
    notes: Text | None = None


class AnimalOutcomePayload(Payload):
    resolved_ids: IdList
    outcome: Outcome
    reason: Text | None = None
    yield_items: list[YieldItem] = Field(default_factory=list)
    filter: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _yields_only_with_harvest(self) -> AnimalOutcomePayload:
        if self.yield_items and self.outcome != Outcome.HARVEST:
            raise ValueError("yields can only be recorded with a harvest")
        return self


class AnimalMergedPayload(Payload):
    survivor_id: Id
    merged_ids: IdList
    notes: Text | None = None

    @model_validator(mode="after")
    def _survivor_not_merged(self) -> AnimalMergedPayload:
        if self.survivor_id in self.merged_ids:
            raise ValueError("the survivor cannot also be one of the merged animals")
        return self


class AnimalStatusCorrectedPayload(Payload):
    animal_ids: IdList
    new_status: AnimalStatus
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)
    ]
    notes: Text | None = None

    @field_validator("new_status")
    @classmethod
    def _not_merged(cls, value: str) -> str:
        if value == AnimalStatus.MERGED_INTO:
            raise ValueError("a status can be corrected to alive, dead, harvested or sold only")
        return value


class ProductCollectedPayload(Payload):
    location_id: Id
    product_code: Code
    quantity: Quantity
    resolved_ids: IdList | None = None
    filter: Text | None = None
    notes: Text | None = None


class ProductSoldPayload(Payload):
    product_code: Code
    quantity: Quantity
    total_price_cents: int = Field(ge=0, le=MAX_SALE_CENTS)
    buyer: Text | None = None
    notes: Text | None = None


class FeedPurchasedPayload(Payload):
    feed_type_code: Code
    bag_size_kg: int | None = Field(default=None, ge=1, le=MAX_BAG_KG)
    bags_count: int = Field(ge=1, le=MAX_BAGS)
    bag_price_cents: int = Field(ge=0, le=MAX_BAG_PRICE_CENTS)
    vendor: Text | None = None
    notes: Text | None = None


class FeedGivenPayload(Payload):
    location_id: Id
    feed_type_code: Code
    amount_kg: int = Field(ge=1, le=MAX_FEED_GIVEN_KG)
    notes: Text | None = None


PAYLOAD_TYPES: dict[str, type[Payload]] = {
    t.LOCATION_CREATED: LocationCreatedPayload,
    t.LOCATION_RENAMED: LocationRenamedPayload,
    t.LOCATION_ARCHIVED: LocationArchivedPayload,
    t.ANIMAL_COHORT_CREATED: AnimalCohortCreatedPayload,
    t.ANIMAL_MOVED: AnimalMovedPayload,
    t.ANIMAL_ATTRIBUTES_UPDATED: AnimalAttributesUpdatedPayload,
    t.ANIMAL_TAGGED: AnimalTaggedPayload,
    t.ANIMAL_TAG_ENDED: AnimalTagEndedPayload,
    t.ANIMAL_PROMOTED: AnimalPromotedPayload,
    t.HATCH_RECORDED: HatchRecordedPayload,
    t.ANIMAL_OUTCOME: AnimalOutcomePayload,
    t.ANIMAL_MERGED: AnimalMergedPayload,
    t.ANIMAL_STATUS_CORRECTED: AnimalStatusCorrectedPayload,
    t.PRODUCT_COLLECTED: ProductCollectedPayload,
    t.PRODUCT_SOLD: ProductSoldPayload,
    t.FEED_PURCHASED: FeedPurchasedPayload,
    t.FEED_GIVEN: FeedGivenPayload,
}


def payload_model(event_type: str, data: dict[str, Any]) -> Payload:
    """Rebuild the typed payload of a stored event."""
    return PAYLOAD_TYPES[event_type].model_validate(data)


def dump_payload(payload: Payload) -> dict[str, Any]:
    """The JSON-ready form stored in `events.payload` (None fields dropped for compactness)."""
    return payload.model_dump(mode="json", exclude_none=True)


def build_payload(payload_type: type[Payload], **data: Any) -> Payload:
    """Construct a payload, turning Pydantic's error into the domain's `ValidationError`.

    Callers that take input from people (GraphQL, tools, edits) build payloads through here so
    a bad value is a typed refusal naming the field, not a crash.
    """
    from pydantic import ValidationError as PydanticValidationError

    from animaltrack.errors import ValidationError

    try:
        return payload_type.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = _in_words(first)
        if field is None:
            raise ValidationError(message) from exc
        raise ValidationError.for_field(field, message) from exc


def revised(payload: P, **changes: Any) -> P:
    """`payload` with `changes`, validated again.

    What a service derives (a confirmed selection's ids, a default bag size) obeys the same caps
    as what the client sent: `model_copy(update=...)` would skip them and let a 100 000-animal
    selection through into a stored event its own model refuses.
    """
    return build_payload(type(payload), **{**payload.model_dump(), **changes})


# Pydantic's error types in the farmer's words (its own messages name Python types).
_WORDS = {
    "less_than_equal": "must be at most {le:,}",
    "greater_than_equal": "must be at least {ge:,}",
    "less_than": "must be less than {lt:,}",
    "greater_than": "must be more than {gt:,}",
    "too_long": "can hold at most {max_length:,} items",
    "too_short": "needs at least {min_length} item",
    "string_too_long": "can be at most {max_length:,} characters long",
    "string_too_short": "cannot be empty",
    "missing": "is required",
    "extra_forbidden": "is not a field of this event",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_parsing_size": "must be a whole number",
    "int_from_float": "must be a whole number",
    "decimal_type": "must be a number such as 12.5",
    "decimal_parsing": "must be a number such as 12.5",
    "string_type": "must be text",
    "list_type": "must be a list",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "enum": "must be one of {expected}",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def _in_words(error: dict[str, Any]) -> str:
    if error["type"] in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    words = _WORDS.get(error["type"], "is not a valid value")
    try:
        return words.format(**error.get("ctx", {}))
    except (KeyError, ValueError):
        return "is not a valid value"
