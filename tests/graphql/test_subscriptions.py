"""`eventAppended` (SPEC §13): each event, once committed, reaches the subscribers that want it.

Waits are on events (the log feed gaining a listener, the next result), up to 10 s, never sleeps.
"""

from __future__ import annotations

import asyncio

import pytest
from graphql_driver import iso

from resolvers.log_feed import feed_for

# Subscribes on the driver's schema object; over HTTP: tests/http/test_subscriptions_over_ws.py.
pytestmark = pytest.mark.in_process_only

TIMEOUT = 10

SUBSCRIPTION = """
  subscription($types: [EventType!], $locationId: ID) {
    eventAppended(types: $types, locationId: $locationId) { id type actor payload deleted }
  }
"""


async def _subscribed(gql, variables):
    """Start the subscription and return (its stream, the pending first result) once it listens."""
    feed = feed_for(gql.db)
    before = feed.listening
    stream = await gql.schema.subscribe(
        SUBSCRIPTION, variable_values=variables, context_value=gql.context()
    )
    first = asyncio.ensure_future(stream.__anext__())
    async with asyncio.timeout(TIMEOUT):
        while feed.listening == before:
            await asyncio.sleep(0)
    return stream, first


def test_a_dashboard_receives_each_event_after_it_commits(gql):
    async def scenario():
        stream, first = await _subscribed(gql, {})
        created = gql.mutate("createLocation", {"name": "Pond"})
        result = await asyncio.wait_for(first, TIMEOUT)
        await stream.aclose()
        return created, result

    before = feed_for(gql.db).listening
    created, result = asyncio.run(scenario())
    assert result.errors is None
    assert result.data["eventAppended"]["id"] == created["event"]["id"]
    assert result.data["eventAppended"]["deleted"] is False
    assert feed_for(gql.db).listening == before  # closing the stream unsubscribed


def test_a_subscription_filters_by_type_and_location(gql):
    strip_2 = gql.location_id("Strip 2")
    gql.mutate(
        "purchaseFeed",
        {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 100, "tsUtc": iso(gql.now - 1)},
    )

    async def scenario():
        stream, first = await _subscribed(
            gql, {"types": ["FEED_GIVEN"], "locationId": strip_2.lower()}
        )
        gql.mutate("createLocation", {"name": "Pond"})
        gql.mutate(
            "giveFeed",
            {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "layer", "amountKg": 1},
        )
        wanted = gql.mutate(
            "giveFeed", {"locationId": strip_2, "feedTypeCode": "layer", "amountKg": 2}
        )
        result = await asyncio.wait_for(first, TIMEOUT)
        await stream.aclose()
        return wanted, result

    wanted, result = asyncio.run(scenario())
    assert result.data["eventAppended"]["id"] == wanted["event"]["id"]
    assert result.data["eventAppended"]["payload"]["amountKg"] == 2


def test_a_refused_command_publishes_nothing(gql):
    async def scenario():
        stream, first = await _subscribed(gql, {})
        refused = gql.mutate("createLocation", {"name": "Strip 1"})  # the name is taken
        accepted = gql.mutate("createLocation", {"name": "Pond"})
        result = await asyncio.wait_for(first, TIMEOUT)
        await stream.aclose()
        return refused, accepted, result

    refused, accepted, result = asyncio.run(scenario())
    assert refused["__typename"] == "ValidationError"
    assert result.data["eventAppended"]["id"] == accepted["event"]["id"]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("subscription { eventAppended(types: [FOO]) { id } ", None, "GRAPHQL_VALIDATION_FAILED"),
        ("subscription { bogus }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("subscription { eventAppended(types: [FOO]) { id } }", None, "BAD_USER_INPUT"),
        (SUBSCRIPTION, {"types": ["FOO"]}, "BAD_USER_INPUT"),
        (SUBSCRIPTION, {"locationId": "nope"}, "VALIDATION"),
    ],
    ids=["syntax", "unknown-field", "wrong-enum", "wrong-enum-variable", "bad-location-id"],
)
def test_a_refused_subscription_streams_errors_with_a_code(gql, query, variables, code):
    """The stream's results are coded like a query's answer (SPEC §13: every `errors` entry)."""

    async def first_result():
        stream = await gql.schema.subscribe(
            query, variable_values=variables, context_value=gql.context()
        )
        async with asyncio.timeout(TIMEOUT):
            return await stream.__anext__()

    result = asyncio.run(first_result())
    assert [error.formatted["extensions"]["code"] for error in result.errors] == [code]
