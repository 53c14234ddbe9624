"""Every mutation of SPEC §13 through GraphQL: its success answer, and its typed errors.

A user mistake is always a member of the mutation's union (HTTP 200), never an `errors` entry;
a refused command writes nothing. Responses are snapshotted with ids and times masked.
"""

from __future__ import annotations

import pytest
from graphql_driver import DAY, HOUR, RECORDER, VIEWER, iso, mask

from animaltrack.timefmt import from_iso

STRIP_1 = 'location:"Strip 1"'


@pytest.fixture
def flock(gql):
    """Five adult female ducks at Strip 1 since yesterday."""
    return gql.cohort("Strip 1", 5)


# -- animals -----------------------------------------------------------------------------------


def test_create_cohort_answers_the_new_animal_ids(gql, snapshot):
    result = gql.mutate(
        "createCohort",
        {
            "species": "duck",
            "count": 3,
            "lifeStage": "JUVENILE",
            "locationId": gql.location_id("Nursery 1"),
            "origin": "PURCHASED",
            "tsUtc": iso(gql.now - DAY),
            "notes": "from the market",
        },
        "... on CohortCreated { animalIds }",
    )
    assert result["__typename"] == "CohortCreated"
    assert len(result["animalIds"]) == 3
    assert result["event"]["payload"]["sex"] == "UNKNOWN"  # the default
    assert mask(result) == snapshot


def test_move_animals_moves_what_the_client_saw(gql, flock, snapshot):
    strip_1 = gql.location_id("Strip 1")
    result = gql.mutate(
        "moveAnimals",
        {
            **gql.selection_input(STRIP_1, fromLocationId=strip_1),
            "fromLocationId": strip_1,
            "toLocationId": gql.location_id("Strip 2"),
        },
        "... on AnimalsMoved { animalIds fromLocationId toLocationId }",
    )
    assert result["__typename"] == "AnimalsMoved"
    assert sorted(result["animalIds"]) == sorted(flock)
    assert mask(result) == snapshot


def test_update_attributes(gql, flock, snapshot):
    result = gql.mutate(
        "updateAttributes",
        {**gql.selection_input(STRIP_1), "reproStatus": "INTACT", "notes": "checked"},
        "... on AttributesUpdated { animalIds }",
    )
    assert result["__typename"] == "AttributesUpdated"
    assert mask(result) == snapshot


def test_add_tag_then_end_tag(gql, flock, snapshot):
    added = gql.mutate(
        "addTag", {**gql.selection_input(STRIP_1), "tag": " Broody Hen"}, "... on TagAdded { tag }"
    )
    assert added["tag"] == "broody-hen"
    tagged = gql.data('{ animals(filter: "tag:broody-hen") { totalCount } }')
    assert tagged["animals"]["totalCount"] == 5
    ended = gql.mutate(
        "endTag",
        {**gql.selection_input("tag:broody-hen"), "tag": "broody-hen"},
        "... on TagEnded { tag animalIds }",
    )
    assert ended["__typename"] == "TagEnded"
    assert mask({"added": added, "ended": ended}) == snapshot


def test_promote_animal_answers_the_animal(gql, flock, snapshot):
    result = gql.mutate(
        "promoteAnimal",
        {"animalId": flock[0].lower(), "nickname": "Daisy"},
        "... on AnimalPromoted { animalId nickname animal { id identified nickname } }",
    )
    assert result["animal"] == {"id": flock[0], "identified": True, "nickname": "Daisy"}
    assert mask(result) == snapshot


def test_record_hatch_creates_hatchlings_at_the_brood_location(gql, snapshot):
    result = gql.mutate(
        "recordHatch",
        {
            "species": "duck",
            "locationId": gql.location_id("Strip 1"),
            "assignedBroodLocationId": gql.location_id("Nursery 2"),
            "hatchedLive": 4,
            "tsUtc": iso(gql.now - DAY),
        },
        "... on HatchRecorded { animalIds }",
    )
    assert len(result["animalIds"]) == 4
    roster = gql.data(
        "query($id: ID!) { location(id: $id) { roster { totalCount nodes { lifeStage } } } }",
        {"id": gql.location_id("Nursery 2")},
    )["location"]["roster"]
    assert roster["totalCount"] == 4
    assert {n["lifeStage"] for n in roster["nodes"]} == {"HATCHLING"}
    assert mask(result) == snapshot


def test_record_outcome_harvest_with_yields(gql, flock, snapshot):
    result = gql.mutate(
        "recordOutcome",
        {
            **gql.selection_input(f"id:{flock[0]}|{flock[1]}"),
            "outcome": "HARVEST",
            "yieldItems": [
                {"productCode": "meat", "quantity": "2.5"},
                {"productCode": "feathers", "quantity": "0.125"},
            ],
        },
        "... on OutcomeRecorded { animalIds }",
    )
    assert result["__typename"] == "OutcomeRecorded"
    harvested = gql.data('{ animals(filter: "status:harvested") { totalCount } }')
    assert harvested["animals"]["totalCount"] == 2
    assert mask(result) == snapshot


def test_merge_animals(gql, flock, snapshot):
    result = gql.mutate(
        "mergeAnimals",
        {"survivorId": flock[0], "mergedIds": [flock[1]]},
        "... on AnimalsMerged { survivorId mergedIds }",
    )
    assert result["__typename"] == "AnimalsMerged"
    aliases = gql.data(
        "query($id: ID!) { animal(id: $id) { aliases { aliasId } } }", {"id": flock[0]}
    )
    assert aliases["animal"]["aliases"] == [{"aliasId": flock[1]}]
    assert mask(result) == snapshot


def test_correct_status(gql, flock, snapshot):
    result = gql.mutate(
        "correctStatus",
        {"animalIds": [flock[0]], "newStatus": "DEAD", "reason": "found dead, never recorded"},
        "... on StatusCorrected { animalIds }",
    )
    assert result["__typename"] == "StatusCorrected"
    assert mask(result) == snapshot


# -- locations ---------------------------------------------------------------------------------


def test_create_rename_and_archive_a_location(gql, snapshot):
    created = gql.mutate(
        "createLocation",
        {"name": "Pond", "tsUtc": iso(gql.now - DAY)},
        "... on LocationCreated { location { name active } }",
    )
    location_id = created["event"]["payload"]["locationId"]
    renamed = gql.mutate(
        "renameLocation",
        {"locationId": location_id, "newName": "Big Pond", "tsUtc": iso(gql.now - DAY + HOUR)},
        "... on LocationRenamed { location { name } }",
    )
    archived = gql.mutate(
        "archiveLocation",
        {"locationId": location_id},
        "... on LocationArchived { location { name active archivedAt } }",
    )
    assert created["location"] == {"name": "Pond", "active": True}
    assert renamed["location"] == {"name": "Big Pond"}
    assert archived["location"]["active"] is False
    assert mask({"created": created, "renamed": renamed, "archived": archived}) == snapshot


# -- products and feed -------------------------------------------------------------------------


def test_collect_product_without_a_selection_records_the_producers(gql, flock, snapshot):
    result = gql.mutate(
        "collectProduct",
        {"locationId": gql.location_id("Strip 1"), "productCode": "egg.duck", "quantity": "12"},
        "... on ProductCollected { animalIds }",
    )
    assert sorted(result["animalIds"]) == sorted(flock)
    assert mask(result) == snapshot


def test_collect_product_with_a_selection_hashes_the_location(gql, flock):
    strip_1 = gql.location_id("Strip 1")
    result = gql.mutate(
        "collectProduct",
        {
            **gql.selection_input(f"id:{flock[0]}|{flock[1]}", locationId=strip_1),
            "locationId": strip_1,
            "productCode": "egg.duck",
            "quantity": 2,
        },
        "... on ProductCollected { animalIds }",
    )
    assert result["__typename"] == "ProductCollected"
    assert result["animalIds"] == sorted(flock[:2])
    assert result["event"]["payload"]["resolvedIds"] == sorted(flock[:2])


def test_collect_product_refuses_half_a_selection(gql, flock):
    result = gql.mutate(
        "collectProduct",
        {
            "locationId": gql.location_id("Strip 1"),
            "productCode": "egg.duck",
            "quantity": "1",
            "filter": STRIP_1,
        },
    )
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "filter"


def test_sell_product(gql, snapshot):
    result = gql.mutate(
        "sellProduct",
        {"productCode": "egg.duck", "quantity": "12", "totalPriceCents": 450, "buyer": "Ana"},
    )
    assert result["__typename"] == "ProductSold"
    assert mask(result) == snapshot


def test_purchase_then_give_feed_answers_the_stock(gql, snapshot):
    bought = gql.mutate(
        "purchaseFeed",
        {
            "feedTypeCode": "layer",
            "bagsCount": 2,
            "bagPriceCents": 2400,
            "tsUtc": iso(gql.now - DAY),
        },
        "... on FeedPurchased { balanceKg }",
    )
    given = gql.mutate(
        "giveFeed",
        {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "layer", "amountKg": 6},
        "... on FeedGiven { balanceKg }",
    )
    assert (bought["balanceKg"], given["balanceKg"]) == (40, 34)
    assert given["warnings"] == []
    assert mask({"bought": bought, "given": given}) == snapshot


def test_give_feed_beyond_the_stock_warns_of_negative_stock(gql, snapshot):
    gql.mutate(
        "purchaseFeed",
        {
            "feedTypeCode": "grower",
            "bagsCount": 1,
            "bagPriceCents": 1000,
            "tsUtc": iso(gql.now - DAY),
        },
    )
    given = gql.mutate(
        "giveFeed",
        {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "grower", "amountKg": 25},
        "... on FeedGiven { balanceKg }",
    )
    assert given["__typename"] == "FeedGiven"
    assert given["balanceKg"] == -5
    assert [w["code"] for w in given["warnings"]] == ["NEGATIVE_FEED_STOCK"]
    assert mask(given) == snapshot


# -- typed errors ------------------------------------------------------------------------------


def test_a_bad_value_is_a_validation_error_naming_the_field(gql, snapshot):
    before = gql.event_count()
    results = {
        "count": gql.mutate(
            "createCohort",
            {
                "species": "duck",
                "count": 0,
                "lifeStage": "ADULT",
                "locationId": gql.location_id("Strip 1"),
            },
        ),
        "species": gql.mutate(
            "createCohort",
            {
                "species": "emu",
                "count": 1,
                "lifeStage": "ADULT",
                "locationId": gql.location_id("Strip 1"),
            },
        ),
        "malformed id": gql.mutate(
            "giveFeed", {"locationId": "not-an-id", "feedTypeCode": "layer", "amountKg": 1}
        ),
        "no purchase": gql.mutate(
            "giveFeed",
            {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "layer", "amountKg": 1},
        ),
        "long nonce": gql.mutate("createLocation", {"name": "Shed", "nonce": "n" * 65}),
    }
    assert {k: r["__typename"] for k, r in results.items()} == dict.fromkeys(
        results, "ValidationError"
    )
    assert results["count"]["field"] == "count"
    assert results["no purchase"]["field"] == "feedTypeCode"
    assert gql.event_count() == before
    assert mask(results) == snapshot


def test_an_unknown_thing_is_not_found(gql, snapshot):
    result = gql.mutate(
        "promoteAnimal", {"animalId": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "nickname": "Ghost"}
    )
    assert result["__typename"] == "NotFound"
    assert mask(result) == snapshot


def test_a_time_in_the_future_is_clock_skew(gql, snapshot):
    result = gql.mutate("createLocation", {"name": "Later", "tsUtc": iso(gql.now + 6 * 60_000)})
    assert result["__typename"] == "ClockSkew"
    assert mask(result) == snapshot


def test_a_filter_that_does_not_parse_is_a_filter_syntax_error(gql, flock, snapshot):
    seen = gql.selection_input(STRIP_1)
    result = gql.mutate(
        "addTag",
        {**seen, "filter": "sex:purple", "tag": "x"},
        "... on FilterSyntaxError { position }",
    )
    assert result["__typename"] == "FilterSyntaxError"
    assert result["position"] == 4
    assert mask(result) == snapshot


def test_a_backdated_death_before_a_recorded_move_is_a_history_conflict(gql, flock, snapshot):
    strip_1, strip_2 = gql.location_id("Strip 1"), gql.location_id("Strip 2")
    duck = flock[0]
    moved = gql.mutate(
        "moveAnimals",
        {
            **gql.selection_input(f"id:{duck}", fromLocationId=strip_1),
            "fromLocationId": strip_1,
            "toLocationId": strip_2,
            "tsUtc": iso(gql.now - 2 * HOUR),
        },
    )
    assert moved["__typename"] == "AnimalsMoved"
    before = gql.event_count()
    earlier = gql.now - 6 * HOUR
    result = gql.mutate(
        "recordOutcome",
        {
            **gql.selection_input(f"id:{duck}", at=iso(earlier)),
            "outcome": "DEATH",
            "tsUtc": iso(earlier),
        },
        "... on HistoryConflict { conflictingEventIds }",
    )
    assert result["__typename"] == "HistoryConflict"
    assert result["conflictingEventIds"] == [moved["event"]["id"]]
    assert gql.event_count() == before
    assert mask(result) == snapshot


def test_a_nonce_makes_a_retry_return_the_original_success(gql):
    first = gql.mutate("createLocation", {"name": "Orchard", "nonce": "form-17"})
    again = gql.mutate("createLocation", {"name": "Orchard", "nonce": "form-17"})
    other = gql.mutate("createLocation", {"name": "Barn", "nonce": "form-17"})
    assert again["event"]["id"] == first["event"]["id"]
    assert other["__typename"] == "ValidationError"
    assert other["field"] == "nonce"


@pytest.mark.in_process_only  # sets the server's clock
def test_a_retried_selection_mutation_without_ts_returns_the_original_success(gql, flock):
    request = {**gql.selection_input(STRIP_1), "tag": "retry", "nonce": "tablet-42"}
    first = gql.mutate("addTag", request)
    gql.now += 2_000  # the retry arrives two seconds later
    again = gql.mutate("addTag", request)
    assert again["__typename"] == "TagAdded"
    assert again["event"]["id"] == first["event"]["id"]


def test_a_selection_mutation_without_ts_checks_and_records_at_the_same_instant(gql, flock):
    asked = gql.now
    result = gql.mutate("addTag", {**gql.selection_input(STRIP_1), "tag": "now"})
    assert asked <= from_iso(result["event"]["tsUtc"]) <= gql.now  # the server's now


# -- roles (SPEC §12) --------------------------------------------------------------------------


def test_a_viewer_may_not_record_anything(gql, flock, snapshot):
    viewer = gql.as_user(VIEWER)
    before = gql.event_count()
    results = {
        "createLocation": viewer.mutate("createLocation", {"name": "Viewer's"}),
        "addTag": viewer.mutate("addTag", {**gql.selection_input(STRIP_1), "tag": "x"}),
        "deleteEvent": viewer.mutate("deleteEvent", {"eventId": flock[0]}),
    }
    assert {r["__typename"] for r in results.values()} == {"Forbidden"}
    assert gql.event_count() == before
    assert mask(results) == snapshot


def test_a_recorder_may_not_use_the_admin_commands(gql, flock, snapshot):
    recorder = gql.as_user(RECORDER)
    strip_1 = gql.location_id("Strip 1")
    results = {
        "correctStatus": recorder.mutate(
            "correctStatus", {"animalIds": [flock[0]], "newStatus": "DEAD", "reason": "x"}
        ),
        "mergeAnimals": recorder.mutate(
            "mergeAnimals", {"survivorId": flock[0], "mergedIds": [flock[1]]}
        ),
        "renameLocation": recorder.mutate(
            "renameLocation", {"locationId": strip_1, "newName": "Strip One"}
        ),
        "archiveLocation": recorder.mutate(
            "archiveLocation", {"locationId": gql.location_id("Nursery 4")}
        ),
    }
    assert {r["__typename"] for r in results.values()} == {"Forbidden"}
    assert mask(results) == snapshot
    allowed = recorder.mutate("addTag", {**gql.selection_input(STRIP_1), "tag": "checked"})
    assert allowed["__typename"] == "TagAdded"
    assert allowed["event"]["actor"] == "ines"


def test_the_actor_is_the_authenticated_user(gql):
    recorder = gql.as_user(RECORDER)
    result = recorder.mutate("createLocation", {"name": "Shed", "tsUtc": iso(gql.now - DAY)})
    assert result["event"]["actor"] == "ines"
