"""The exported SDL matches the code, and every mutation's union holds the errors it can meet."""

from __future__ import annotations

from graphql import GraphQLUnionType

from resolvers.schema import SDL_PATH, build_schema

SCHEMA = build_schema()

MUTATIONS = {
    "createCohort": "CohortCreated",
    "moveAnimals": "AnimalsMoved",
    "updateAttributes": "AttributesUpdated",
    "addTag": "TagAdded",
    "endTag": "TagEnded",
    "promoteAnimal": "AnimalPromoted",
    "recordHatch": "HatchRecorded",
    "recordOutcome": "OutcomeRecorded",
    "mergeAnimals": "AnimalsMerged",
    "correctStatus": "StatusCorrected",
    "createLocation": "LocationCreated",
    "renameLocation": "LocationRenamed",
    "archiveLocation": "LocationArchived",
    "collectProduct": "ProductCollected",
    "sellProduct": "ProductSold",
    "purchaseFeed": "FeedPurchased",
    "giveFeed": "FeedGiven",
    "editEvent": "EventEdited",
    "deleteEvent": "EventDeleted",
}
SELECTION_MUTATIONS = {
    "moveAnimals",
    "updateAttributes",
    "addTag",
    "endTag",
    "recordOutcome",
    "collectProduct",
}
# Mutations whose events no later event can depend on or be broken by.
NO_HISTORY_CONFLICT = {"sellProduct", "purchaseFeed", "giveFeed"}


def _members(mutation: str) -> set[str]:
    field = SCHEMA._schema.mutation_type.fields[mutation]
    union = field.type.of_type
    assert isinstance(union, GraphQLUnionType)
    return {t.name for t in union.types}


def test_the_exported_sdl_is_the_schema_of_the_code():
    """Run `animaltrack export-schema` after changing the schema."""
    assert SDL_PATH.read_text(encoding="utf-8") == str(SCHEMA).rstrip("\n") + "\n"


def test_one_input_one_success_type_and_one_result_union_per_mutation():
    fields = SCHEMA._schema.mutation_type.fields
    assert set(fields) == set(MUTATIONS)
    for mutation, success in MUTATIONS.items():
        field = fields[mutation]
        capitalised = mutation[0].upper() + mutation[1:]
        assert list(field.args) == ["input"]
        assert str(field.args["input"].type) == f"{capitalised}Input!"
        assert field.type.of_type.name == f"{capitalised}Result"
        assert success in _members(mutation)


def test_every_union_holds_the_errors_its_mutation_can_meet():
    for mutation in MUTATIONS:
        members = _members(mutation)
        assert {"ValidationError", "NotFound", "Forbidden", "ClockSkew"} <= members
        selection = {"SelectionMismatch", "FilterSyntaxError"}
        assert (selection <= members) == (mutation in SELECTION_MUTATIONS), mutation
        assert ("HistoryConflict" in members) == (mutation not in NO_HISTORY_CONFLICT), mutation
        assert ("VersionConflict" in members) == (mutation == "editEvent")
        assert ("DependentEvents" in members) == (mutation == "deleteEvent")


def test_enums_are_upper_case_and_fields_camel_case():
    sdl = str(SCHEMA)
    assert "FEMALE" in sdl and "PURCHASED" in sdl and "HARVEST" in sdl
    assert "ANIMAL_MOVED" in sdl
    assert "resolvedIds: [ID!]!" in sdl and "resolved_ids" not in sdl
