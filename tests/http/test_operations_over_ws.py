"""A query or mutation sent over the WebSocket gets the protection of a POST (SPEC §13).

graphql-transport-ws lets a client `subscribe` with any operation. Before, one sent that way ran
on the event-loop thread, so the heavy query of issue 9's defect 1 could still stall every
request by going through the socket instead of POST. Now it meets the same cost check, runs on
a worker thread with its own connection, and stops at the same deadline; subscriptions still
run on the loop.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator

from websockets.sync.client import connect as ws_connect

from tests.http.conftest import BIG_STRIP
from tests.http.test_execution import HEAVY
from tests.http.test_query_cost import NESTED_ROSTERS
from tests.http.test_subscriptions_over_ws import PROTOCOL, TIMEOUT_S, receive


@contextlib.contextmanager
def socket_of(server, username: str) -> Iterator:
    """A socket past `connection_ack`, the token in the `connection_init` payload."""
    token = server.token(username)
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        ws.send(json.dumps(init))
        assert receive(ws) == {"type": "connection_ack"}
        yield ws


def run(ws, op_id: str, query: str, variables: dict | None = None) -> list[dict]:
    """Send one operation; return its messages up to `complete` (or its one `error`)."""
    payload = {"query": query, "variables": variables}
    ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
    messages = []
    while True:
        message = receive(ws)
        assert message["id"] == op_id, message
        messages.append(message)
        if message["type"] in ("complete", "error"):
            return messages


def test_a_query_over_the_socket_is_answered_then_completed(live_server):
    with socket_of(live_server, "ines") as ws:
        messages = run(ws, "q", "{ me { username } }")
    assert messages == [
        {"id": "q", "type": "next", "payload": {"data": {"me": {"username": "ines"}}}},
        {"id": "q", "type": "complete"},
    ]


def test_a_query_over_the_socket_runs_on_a_worker_thread(live_server, monkeypatch):
    from resolvers import queries

    ran_on = []
    original = queries.feed_inventory

    def recording(db):
        ran_on.append(threading.current_thread().name)
        return original(db)

    monkeypatch.setattr("resolvers.queries.feed_inventory", recording)
    with socket_of(live_server, "ines") as ws:
        [answer, _] = run(ws, "q", "{ feedInventory { feedTypeCode } }")
    assert "errors" not in answer["payload"]
    assert len(ran_on) == 1 and ran_on[0].startswith("graphql"), ran_on


def test_a_roster_in_a_roster_over_the_socket_is_refused_as_too_complex(big_server):
    from tests.graphql.graphql_driver import HttpGraphQLDriver

    with HttpGraphQLDriver(big_server, "ines") as client:
        strip = client.location_id(BIG_STRIP)
    with socket_of(big_server, "guest") as ws:
        [answer, complete] = run(ws, "heavy", NESTED_ROSTERS % strip)
    [error] = answer["payload"]["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "roster" in error["message"]
    assert answer["payload"]["data"] is None and complete["type"] == "complete"


def test_a_query_over_the_socket_stops_at_the_deadline(hurried_server):
    with socket_of(hurried_server, "guest") as ws:
        [answer, _] = run(ws, "slow", HEAVY)
        [error] = answer["payload"]["errors"]
        assert error["extensions"] == {"code": "TIMEOUT"}
        # The socket and the server keep serving.
        [light, _] = run(ws, "light", "{ me { username } }")
    assert light["payload"] == {"data": {"me": {"username": "guest"}}}


def test_a_mutation_over_the_socket_is_recorded_and_checked_for_the_role(live_server):
    mutation = """
      mutation($input: PurchaseFeedInput!) {
        purchaseFeed(input: $input) { __typename ... on UserError { message } }
      }
    """
    purchase = {"input": {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400}}
    with socket_of(live_server, "ines") as ws:
        [done, _] = run(ws, "buy", mutation, purchase)
    assert done["payload"]["data"]["purchaseFeed"]["__typename"] == "FeedPurchased"
    with socket_of(live_server, "guest") as ws:  # a viewer may not write, by POST or socket
        [refused, _] = run(ws, "buy", mutation, purchase)
    assert refused["payload"]["data"]["purchaseFeed"]["__typename"] == "Forbidden"


def test_an_invalid_document_over_the_socket_gets_the_answer_a_post_gets(live_server):
    with socket_of(live_server, "ines") as ws:
        [refused, complete] = run(ws, "bad", "{ noSuchField }")
        [error] = refused["payload"]["errors"]
        assert "noSuchField" in error["message"]
        assert refused["payload"]["data"] is None and complete["type"] == "complete"
        [answer, _] = run(ws, "ok", "{ __typename }")
    assert answer["payload"] == {"data": {"__typename": "Query"}}


def test_an_unexpected_exception_over_the_socket_is_internal_with_its_own_request_id(
    live_server, monkeypatch
):
    def broken(db):
        raise RuntimeError("no such column: secret_internal_detail")

    monkeypatch.setattr("resolvers.queries.feed_inventory", broken)
    with socket_of(live_server, "guest") as ws:
        answers = [run(ws, f"q{n}", "{ feedInventory { feedTypeCode } }")[0] for n in range(2)]
    ids = set()
    for answer in answers:
        [error] = answer["payload"]["errors"]
        assert error["extensions"]["code"] == "INTERNAL"
        assert "secret_internal_detail" not in json.dumps(answer)
        ids.add(error["extensions"]["requestId"])
    assert len(ids) == 2  # each operation on the socket has a request id of its own
