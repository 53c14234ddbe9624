"""Every input has a range or a length cap, and stays a typed refusal (SPEC §13 Protection).

Defects 2, 3, 5, 6 and 7 of issue 9, each shown over HTTP against a real server: numbers that
overflowed SQLite or the `decimal` module and leaked their text; sums past GraphQL `Int` that
broke `eggStats` and `feedInventory` for everyone; a confirmed selection past the payload's
10 000-animal cap; a filter and a `deleteEvent` reason without a length cap; an `editEvent`
payload that is not an object; a time before 1970.
"""

from __future__ import annotations

import time

import pytest

from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import DAY, HttpGraphQLDriver, iso
from tests.http.conftest import BIG_STRIP

STRIP = "0000000000SEED000000000001"
EGG_FIELDS = "... on ProductCollected { animalIds }"


@pytest.fixture(scope="module")
def server(fresh_db, start_server):
    """A farm of its own: these tests record feed by the tonne."""
    path = fresh_db("caps")
    return start_server(create_app(Settings(db_path=str(path))), path)


@pytest.fixture(scope="module")
def admin(server):
    with HttpGraphQLDriver(server, "ppetru") as client:
        client.cohort("Strip 1", 3)
        yield client


def refused(result: dict, field: str, words: str) -> None:
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert words in result["message"]


def test_decimal_text_that_overflowed_is_a_bad_input_in_words(admin):
    cases = [
        ("collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "1e20"}),
        ("collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "1e400"}),
        (
            "sellProduct",
            {"productCode": "egg.duck", "quantity": "1e999999999", "totalPriceCents": 100},
        ),
    ]
    for mutation, input in cases:
        name = mutation[0].upper() + mutation[1:]
        response = admin.execute(
            f"mutation($i: {name}Input!) {{ {mutation}(input: $i) {{ __typename }} }}", {"i": input}
        )
        [error] = response["errors"]
        assert "is not a Decimal; write plain digits" in error["message"], error
        assert "decimal." not in error["message"] and "class" not in error["message"]


def test_a_quantity_past_its_range_is_a_validation_error(admin):
    result = admin.mutate(
        "collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "2000000"}
    )
    refused(result, "quantity", "at most 1,000,000")


def test_a_yield_of_1e20_is_a_bad_input_and_an_edited_quantity_a_validation_error(admin):
    ducks = admin.selection_input('location:"Strip 1"')
    harvest = {
        **ducks,
        "outcome": "HARVEST",
        "yieldItems": [{"productCode": "meat", "quantity": "1e20"}],
    }
    response = admin.execute(
        "mutation($i: RecordOutcomeInput!) { recordOutcome(input: $i) { __typename } }",
        {"i": harvest},
    )
    [error] = response["errors"]
    assert "'1e20' is not a Decimal" in error["message"]
    eggs = admin.mutate(
        "collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "6"}
    )
    edit = admin.mutate(
        "editEvent", {"eventId": eggs["event"]["id"], "payload": {"quantity": "1e20"}}
    )
    refused(edit, "payload.quantity", "at most 1,000,000")


def test_feed_numbers_past_their_caps_are_validation_errors(admin):
    base = {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 1000}
    for field, value in [
        ("bagsCount", 2147483647),
        ("bagSizeKg", 2147483647),
        ("bagPriceCents", 2147483647),
    ]:
        result = admin.mutate("purchaseFeed", {**base, field: value})
        assert result["__typename"] == "ValidationError", result
    given = admin.mutate(
        "giveFeed", {"locationId": STRIP, "feedTypeCode": "layer", "amountKg": 2200000}
    )
    assert given["__typename"] == "ValidationError"


def test_sums_past_2_31_read_as_long_numbers(admin):
    """Three maximal purchases, then 25 gifts of 100 t within the window: 2.5e9 g, past Int's
    2^31, in eggStats and the stock."""
    for _ in range(3):
        bought = admin.mutate(
            "purchaseFeed",
            {
                "feedTypeCode": "layer",
                "bagsCount": 10_000,
                "bagSizeKg": 1000,
                "bagPriceCents": 10_000_000,
                "tsUtc": iso(admin.now - 2 * DAY),
            },
        )
        assert bought["__typename"] == "FeedPurchased", bought
    for n in range(25):
        given = admin.mutate(
            "giveFeed",
            {
                "locationId": STRIP,
                "feedTypeCode": "layer",
                "amountKg": 100_000,
                "tsUtc": iso(admin.now - DAY + n),
            },
        )
        assert given["__typename"] == "FeedGiven", given
    stats = admin.data(
        "query($l: ID!) { eggStats(locationId: $l) { feedTotalG feedCostCents } }", {"l": STRIP}
    )["eggStats"]
    assert stats["feedTotalG"] == 25 * 100_000 * 1000
    stock = admin.data("{ feedInventory { feedTypeCode purchasedKg givenKg balanceKg } }")
    layer = next(s for s in stock["feedInventory"] if s["feedTypeCode"] == "layer")
    assert layer["givenKg"] == 2_500_000 and layer["purchasedKg"] == 30_000_000


def test_a_confirmed_selection_obeys_the_10000_animal_cap(big_server):
    with HttpGraphQLDriver(big_server, "ppetru", timeout=60) as admin:
        before = admin.event_count()
        seen = admin.selection(f'location:"{BIG_STRIP}"')
        assert seen["count"] == 20_000
        started = time.perf_counter()
        result = admin.mutate(
            "moveAnimals",
            {
                "filter": f'location:"{BIG_STRIP}"',
                "resolvedIds": seen["animalIds"][:1],
                "rosterHash": "0",
                "toLocationId": admin.location_id("Strip 2"),
                "confirmed": True,
            },
        )
        print(f"refused in {time.perf_counter() - started:.2f} s")
        refused(result, "filter", "at most 10,000")
        assert admin.event_count() == before


def test_a_long_filter_is_refused_by_its_length(admin):
    started = time.perf_counter()
    response = admin.execute(
        "query($f: String!) { animals(filter: $f) { totalCount } }", {"f": "sex:female " * 80_000}
    )
    [error] = response["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "filter"}
    assert "at most 2,000" in error["message"]
    assert time.perf_counter() - started < 1


def test_text_caps_on_reasons_tags_and_nicknames(admin):
    eggs = admin.mutate(
        "collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "2"}
    )
    result = admin.mutate("deleteEvent", {"eventId": eggs["event"]["id"], "reason": "x" * 900_000})
    refused(result, "reason", "keep it to 2,000")
    ducks = admin.selection_input('location:"Strip 1"')
    refused(admin.mutate("addTag", {**ducks, "tag": "t" * 33}), "tag", "at most 32")
    promote = {"animalId": ducks["resolvedIds"][0], "nickname": "n" * 65}
    refused(admin.mutate("promoteAnimal", promote), "nickname", "at most 64 characters")


@pytest.mark.parametrize("payload", [[1, 2], "abc", 5])
def test_an_edit_payload_that_is_not_an_object_is_a_validation_error(admin, payload):
    eggs = admin.mutate(
        "collectProduct", {"locationId": STRIP, "productCode": "egg.duck", "quantity": "3"}
    )
    result = admin.mutate("editEvent", {"eventId": eggs["event"]["id"], "payload": payload})
    refused(result, "payload", "object of the fields to change")


def test_a_time_before_1970_is_refused_in_words_that_say_so(admin):
    response = admin.execute(
        "mutation($i: CreateLocationInput!) { createLocation(input: $i) { __typename } }",
        {"i": {"name": "Old barn", "tsUtc": "1969-12-31T23:59:59.000Z"}},
    )
    [error] = response["errors"]
    assert "is before 1970-01-01" in error["message"]
