"""GraphQL enums (UPPER_CASE values) mirroring the domain enums of SPEC §5.

Each GraphQL enum is a copy of its domain enum, so the domain classes stay free of Strawberry.
A member's `.value` is the domain's stored word (`Sex.FEMALE.value == "female"`), ready for a
payload; `from_domain` maps a stored word back. Every member carries a description for the
explorer (`strawberry.enum_value`); `_mirror` refuses a domain member left undescribed.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from animaltrack.events import enums as domain
from animaltrack.events import types as event_types


def _mirror(source: type[Enum], name: str, description: str, values: dict[str, str]) -> type[Enum]:
    """A Strawberry copy of `source`; `values` describes each member, keyed by member name."""
    missing = {member.name for member in source} - set(values)
    if missing:
        raise ValueError(f"{name}: describe {sorted(missing)}")
    copy = Enum(
        name,
        {
            member.name: strawberry.enum_value(member.value, description=values[member.name])
            for member in source
        },
        module=__name__,
    )
    return strawberry.enum(copy, name=name, description=description)


Sex = _mirror(
    domain.Sex,
    "Sex",
    "An animal's sex.",
    {
        "FEMALE": "Female.",
        "MALE": "Male.",
        "UNKNOWN": "Not known yet: the default for a new cohort, and every hatchling's sex.",
    },
)
LifeStage = _mirror(
    domain.LifeStage,
    "LifeStage",
    "An animal's life stage; it changes only when recorded (updateAttributes).",
    {
        "HATCHLING": "Just hatched; every hatch starts here.",
        "JUVENILE": "Young and growing.",
        "SUBADULT": "Nearly grown, not yet laying.",
        "ADULT": "Grown. Adult females of an egg-laying species count as layers.",
    },
)
ReproStatus = _mirror(
    domain.ReproStatus,
    "ReproStatus",
    "An animal's reproductive status.",
    {
        "INTACT": "Not castrated.",
        "CASTRATED": "Castrated.",
        "UNKNOWN": "Not known; the default.",
    },
)
AnimalStatus = _mirror(
    domain.AnimalStatus,
    "AnimalStatus",
    "Whether an animal is alive, and if not, how it left the flock; set by recordOutcome,"
    " mergeAnimals or correctStatus.",
    {
        "ALIVE": "Alive: on the roster of its location.",
        "DEAD": "Died: an outcome of DEATH, PREDATOR or UNKNOWN.",
        "HARVESTED": "Harvested (an outcome of HARVEST).",
        "SOLD": "Sold alive (an outcome of SOLD).",
        "MERGED_INTO": "Recorded twice and merged into another animal, its survivor"
        " (`Animal.mergedIntoId`); commands refuse it from then on.",
    },
)
Origin = _mirror(
    domain.Origin,
    "Origin",
    "Where an animal came from.",
    {
        "HATCHED": "Hatched on the farm (recordHatch).",
        "PURCHASED": "Bought in.",
        "RESCUED": "Taken in as a rescue.",
        "UNKNOWN": "Not known; the default.",
    },
)
Outcome = _mirror(
    domain.Outcome,
    "Outcome",
    "How an animal left the living flock (recordOutcome); it sets the animal's status.",
    {
        "DEATH": "Died; the status becomes DEAD.",
        "HARVEST": "Harvested; the status becomes HARVESTED. The only outcome that may record"
        " yields.",
        "SOLD": "Sold alive; the status becomes SOLD.",
        "PREDATOR": "Taken by a predator; the status becomes DEAD.",
        "UNKNOWN": "Lost for a reason not known; the status becomes DEAD.",
    },
)


@strawberry.enum(description="What a user may do.")
class Role(Enum):
    ADMIN = strawberry.enum_value(
        "admin",
        description="Everything: also correctStatus, mergeAnimals, renameLocation,"
        " archiveLocation, editing or deleting anyone's events, and cascade deletes.",
    )
    RECORDER = strawberry.enum_value(
        "recorder",
        description="Queries and every other mutation; edits its own events, and deletes its"
        " own events that no later event depends on.",
    )
    VIEWER = strawberry.enum_value("viewer", description="Queries only.")


@strawberry.enum(description="How a product is counted.")
class ProductUnit(Enum):
    PIECE = strawberry.enum_value("piece", description="In whole pieces (eggs).")
    KG = strawberry.enum_value(
        "kg", description="In kilograms, with at most 3 decimals (whole grams)."
    )


@strawberry.enum(description="What kind of product it is.")
class ProductKind(Enum):
    EGG = strawberry.enum_value(
        "egg", description="Eggs: counted in the egg statistics of the location collected at."
    )
    YIELD = strawberry.enum_value(
        "yield", description="A harvest yield (meat, offal, fat, …), recorded with recordOutcome."
    )
    OTHER = strawberry.enum_value("other", description="Anything else.")


# What each event type records, for the explorer; keyed by the stored type name.
_EVENT_TYPES = {
    event_types.LOCATION_CREATED: "A location was created (createLocation).",
    event_types.LOCATION_RENAMED: "A location was renamed (renameLocation).",
    event_types.LOCATION_ARCHIVED: "A location was archived (archiveLocation).",
    event_types.ANIMAL_COHORT_CREATED: "A group of anonymous animals arrived (createCohort).",
    event_types.ANIMAL_MOVED: "Animals moved from one location to another (moveAnimals).",
    event_types.ANIMAL_ATTRIBUTES_UPDATED: "Animals' sex, life stage or reproductive status"
    " changed (updateAttributes).",
    event_types.ANIMAL_TAGGED: "A tag was put on animals (addTag).",
    event_types.ANIMAL_TAG_ENDED: "A tag was taken off animals (endTag).",
    event_types.ANIMAL_PROMOTED: "An animal was given a nickname and became identified"
    " (promoteAnimal).",
    event_types.HATCH_RECORDED: "Hatchlings were born (recordHatch).",
    event_types.ANIMAL_OUTCOME: "Animals died, were harvested (with yields) or sold"
    " (recordOutcome).",
    event_types.ANIMAL_MERGED: "Animals recorded twice were merged into one (mergeAnimals).",
    event_types.ANIMAL_STATUS_CORRECTED: "An admin corrected animals' status (correctStatus).",
    event_types.PRODUCT_COLLECTED: "A product, such as eggs, was collected at a location"
    " (collectProduct).",
    event_types.PRODUCT_SOLD: "A product was sold (sellProduct).",
    event_types.FEED_PURCHASED: "Bags of feed were bought (purchaseFeed).",
    event_types.FEED_GIVEN: "Feed was given at a location (giveFeed).",
}


EventType = strawberry.enum(
    Enum(
        "EventType",
        {
            constant: strawberry.enum_value(value, description=_EVENT_TYPES[value])
            for constant, value in vars(event_types).items()
            if isinstance(value, str) and value in event_types.ALL_EVENT_TYPES
        },
        module=__name__,
    ),
    name="EventType",
    description="The type of an event in the log (`ANIMAL_MOVED` is stored as AnimalMoved).",
)


def from_domain(enum: type[Enum], value: str | None):
    """The GraphQL member for a stored word (None stays None)."""
    return None if value is None else enum(value)
