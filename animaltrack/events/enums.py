"""The enums of SPEC §5. Values are the lower-case words stored in payloads and tables."""

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class LifeStage(StrEnum):
    HATCHLING = "hatchling"
    JUVENILE = "juvenile"
    SUBADULT = "subadult"
    ADULT = "adult"


class ReproStatus(StrEnum):
    INTACT = "intact"
    CASTRATED = "castrated"
    UNKNOWN = "unknown"


class AnimalStatus(StrEnum):
    ALIVE = "alive"
    DEAD = "dead"
    HARVESTED = "harvested"
    SOLD = "sold"
    MERGED_INTO = "merged_into"


class Origin(StrEnum):
    HATCHED = "hatched"
    PURCHASED = "purchased"
    RESCUED = "rescued"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    DEATH = "death"
    HARVEST = "harvest"
    SOLD = "sold"
    PREDATOR = "predator"
    UNKNOWN = "unknown"


OUTCOME_STATUS = {
    Outcome.DEATH: AnimalStatus.DEAD,
    Outcome.HARVEST: AnimalStatus.HARVESTED,
    Outcome.SOLD: AnimalStatus.SOLD,
    Outcome.PREDATOR: AnimalStatus.DEAD,
    Outcome.UNKNOWN: AnimalStatus.DEAD,
}
