"""A subscription sent by POST or GET is refused with a clear error, never a traceback (SPEC §13):
HTTP 400, `extensions.code` BAD_REQUEST, a message that says where subscriptions are served, and
nothing in the server's log but the request line. A query beside it in the same document, named
by `operationName`, still runs.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from resolvers.http_errors import SUBSCRIPTION_OVER_HTTP

TWO_OPERATIONS = """
  query Me { me { username } }
  subscription Changes { logChanged { logSeq } }
"""
SENT = {
    "POST eventAppended": ("POST", {"query": "subscription { eventAppended { id } }"}),
    "POST logChanged with variables": (
        "POST",
        {
            "query": "subscription($t: [EventType!]) { logChanged(types: $t) { logSeq } }",
            "variables": {"t": ["FEED_GIVEN"]},
        },
    ),
    "POST the subscription of two operations": (
        "POST",
        {"query": TWO_OPERATIONS, "operationName": "Changes"},
    ),
    "GET eventAppended": ("GET", {"query": "subscription { eventAppended { id } }"}),
}


@pytest.mark.parametrize("case", SENT)
def test_a_subscription_over_http_is_a_bad_request_and_the_log_stays_quiet(
    live_server, caplog, case
):
    method, body = SENT[case]
    headers = {**live_server.bearer(live_server.token("guest")), "Accept": "application/json"}
    with caplog.at_level(logging.INFO):
        if method == "POST":
            response = httpx.post(live_server.graphql_url, json=body, headers=headers)
        else:
            response = httpx.get(live_server.graphql_url, params=body, headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": SUBSCRIPTION_OVER_HTTP, "extensions": {"code": "BAD_REQUEST"}}]
    }
    assert SUBSCRIPTION_OVER_HTTP.startswith(
        "Subscriptions are served over the WebSocket at /graphql"
    )
    # The request line, and nothing at warning or above: the client's mistake is no fault.
    requests = [r.getMessage() for r in caplog.records if r.name == "animaltrack.http"]
    assert [line.split(" ")[:3] for line in requests] == [[method, "/graphql", "400"]]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
    assert "Cannot return null" not in caplog.text


def test_the_query_beside_it_still_runs(live_server):
    response = httpx.post(
        live_server.graphql_url,
        json={"query": TWO_OPERATIONS, "operationName": "Me"},
        headers=live_server.bearer(live_server.token("guest")),
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"username": "guest"}}}
