"""Event type constants, one per type; each constant's value is the type's name (SPEC §4)."""

LOCATION_CREATED = "LocationCreated"
LOCATION_RENAMED = "LocationRenamed"
LOCATION_ARCHIVED = "LocationArchived"
ANIMAL_COHORT_CREATED = "AnimalCohortCreated"
ANIMAL_MOVED = "AnimalMoved"
ANIMAL_ATTRIBUTES_UPDATED = "AnimalAttributesUpdated"
ANIMAL_TAGGED = "AnimalTagged"
ANIMAL_TAG_ENDED = "AnimalTagEnded"
ANIMAL_PROMOTED = "AnimalPromoted"
HATCH_RECORDED = "HatchRecorded"
ANIMAL_OUTCOME = "AnimalOutcome"
ANIMAL_MERGED = "AnimalMerged"
ANIMAL_STATUS_CORRECTED = "AnimalStatusCorrected"
PRODUCT_COLLECTED = "ProductCollected"
PRODUCT_SOLD = "ProductSold"
FEED_PURCHASED = "FeedPurchased"
FEED_GIVEN = "FeedGiven"

LOCATION_EVENT_TYPES = frozenset({LOCATION_CREATED, LOCATION_RENAMED, LOCATION_ARCHIVED})

ANIMAL_EVENT_TYPES = frozenset(
    {
        ANIMAL_COHORT_CREATED,
        ANIMAL_MOVED,
        ANIMAL_ATTRIBUTES_UPDATED,
        ANIMAL_TAGGED,
        ANIMAL_TAG_ENDED,
        ANIMAL_PROMOTED,
        HATCH_RECORDED,
        ANIMAL_OUTCOME,
        ANIMAL_MERGED,
        ANIMAL_STATUS_CORRECTED,
    }
)

ALL_EVENT_TYPES = (
    LOCATION_CREATED,
    LOCATION_RENAMED,
    LOCATION_ARCHIVED,
    ANIMAL_COHORT_CREATED,
    ANIMAL_MOVED,
    ANIMAL_ATTRIBUTES_UPDATED,
    ANIMAL_TAGGED,
    ANIMAL_TAG_ENDED,
    ANIMAL_PROMOTED,
    HATCH_RECORDED,
    ANIMAL_OUTCOME,
    ANIMAL_MERGED,
    ANIMAL_STATUS_CORRECTED,
    PRODUCT_COLLECTED,
    PRODUCT_SOLD,
    FEED_PURCHASED,
    FEED_GIVEN,
)

# Creating events make the animals they list in entity_refs; those ids are never editable.
CREATING_EVENT_TYPES = frozenset({ANIMAL_COHORT_CREATED, HATCH_RECORDED})
