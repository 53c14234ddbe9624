"""GraphQL enums (UPPER_CASE values) mirroring the domain enums of SPEC §5.

Each GraphQL enum is a copy of its domain enum, so the domain classes stay free of Strawberry.
A member's `.value` is the domain's stored word (`Sex.FEMALE.value == "female"`), ready for a
payload; `from_domain` maps a stored word back.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from animaltrack.events import enums as domain
from animaltrack.events import types as event_types


def _mirror(source: type[Enum], name: str, description: str) -> type[Enum]:
    copy = Enum(name, {member.name: member.value for member in source}, module=__name__)
    return strawberry.enum(copy, name=name, description=description)


Sex = _mirror(domain.Sex, "Sex", "An animal's sex.")
LifeStage = _mirror(domain.LifeStage, "LifeStage", "An animal's life stage.")
ReproStatus = _mirror(domain.ReproStatus, "ReproStatus", "An animal's reproductive status.")
AnimalStatus = _mirror(domain.AnimalStatus, "AnimalStatus", "Whether an animal is alive.")
Origin = _mirror(domain.Origin, "Origin", "Where an animal came from.")
Outcome = _mirror(domain.Outcome, "Outcome", "How an animal left the living flock.")


@strawberry.enum(description="What a user may do (SPEC §12).")
class Role(Enum):
    ADMIN = "admin"
    RECORDER = "recorder"
    VIEWER = "viewer"


@strawberry.enum(description="How a product is counted.")
class ProductUnit(Enum):
    PIECE = "piece"
    KG = "kg"


@strawberry.enum(description="What kind of product it is.")
class ProductKind(Enum):
    EGG = "egg"
    YIELD = "yield"
    OTHER = "other"


EventType = strawberry.enum(
    Enum(
        "EventType",
        {
            constant: value
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
