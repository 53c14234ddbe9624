"""`eventAppended` over a real WebSocket (SPEC §13): graphql-transport-ws against the app served
by uvicorn, the token in the `connection_init` payload; the event is recorded by a mutation over
HTTP and reaches the subscriber once committed.

Every wait is on an event, up to 10 s (SPEC §17): a reply on the socket, or the server's event
bus gaining (or losing) this subscription's listener — the server runs in this process, and
graphql-transport-ws has no acknowledgement of a `subscribe` to wait on instead. A WebSocket
without credentials is refused in `test_auth.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from websockets.sync.client import connect as ws_connect

from animaltrack.services.bus import default_bus
from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import HttpGraphQLDriver, mask

TIMEOUT_S = 10
PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = """
  subscription($types: [EventType!], $locationId: ID) {
    eventAppended(types: $types, locationId: $locationId) { id type actor payload deleted }
  }
"""


@pytest.fixture(scope="module")
def server(fresh_db, start_server):
    db_path = fresh_db("subscriptions")
    return start_server(create_app(Settings(db_path=str(db_path))), db_path)


@pytest.fixture
def admin(server):
    with HttpGraphQLDriver(server, "ppetru") as client:
        yield client


def wait_for(condition: Callable[[], object], what: str) -> object:
    """Poll `condition` until it holds, for up to TIMEOUT_S."""
    deadline = time.monotonic() + TIMEOUT_S
    while not (value := condition()):
        assert time.monotonic() < deadline, f"waited {TIMEOUT_S}s for {what}"
        time.sleep(0.002)
    return value


def receive(ws) -> dict:
    return json.loads(ws.recv(timeout=TIMEOUT_S))


def next_for(ws, op_id: str, event_id: str) -> dict:
    """The `next` message of `op_id` carrying event `event_id` (other servers of this test
    process publish on the same in-process bus, so other events may come first)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        message = receive(ws)
        assert message["id"] == op_id and message["type"] == "next", message
        if message["payload"]["data"]["eventAppended"]["id"] == event_id:
            return message
    raise AssertionError(f"no event {event_id} within {TIMEOUT_S}s")


def subscribe(ws, op_id: str, variables: dict) -> Callable[[], None]:
    """Send `subscribe` and wait until the server listens; return the listener to watch."""
    before = list(default_bus._listeners)
    message = {"query": SUBSCRIPTION, "variables": variables}
    ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": message}))
    new = wait_for(
        lambda: [x for x in default_bus._listeners if x not in before], "the subscription"
    )
    assert len(new) == 1
    return new[0]


def test_a_subscriber_receives_an_event_recorded_over_http(server, admin, snapshot):
    token = server.token("ines")
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert receive(ws) == {"type": "connection_ack"}
        listener = subscribe(ws, "dashboard", {"types": ["LOCATION_CREATED"]})

        created = admin.mutate("createLocation", {"name": "Pond"})
        assert created["__typename"] == "LocationCreated"
        message = next_for(ws, "dashboard", created["event"]["id"])
        assert message["payload"]["data"]["eventAppended"] == {
            "id": created["event"]["id"],
            "type": "LOCATION_CREATED",
            "actor": "ppetru",
            "payload": created["event"]["payload"],
            "deleted": False,
        }
        assert mask(message) == snapshot

        # Completing the operation unsubscribes it on the server.
        ws.send(json.dumps({"id": "dashboard", "type": "complete"}))
        wait_for(lambda: listener not in default_bus._listeners, "the unsubscription")


def test_a_subscription_filtered_by_location_skips_other_places(server, admin):
    token = server.token("guest")  # a viewer may watch
    strip_1, strip_2 = admin.location_id("Strip 1"), admin.location_id("Strip 2")
    admin.mutate(
        "purchaseFeed",
        {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400},
    )
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert receive(ws) == {"type": "connection_ack"}
        subscribe(ws, "strip-2", {"types": ["FEED_GIVEN"], "locationId": strip_2})

        give = {"feedTypeCode": "layer", "amountKg": 1}
        admin.mutate("giveFeed", {**give, "locationId": strip_1})
        wanted = admin.mutate("giveFeed", {**give, "amountKg": 2, "locationId": strip_2})
        # The first `next` on this socket is the Strip 2 feeding: Strip 1's was filtered out.
        message = receive(ws)
        assert message["type"] == "next"
        event = message["payload"]["data"]["eventAppended"]
        assert (event["id"], event["payload"]["amountKg"]) == (wanted["event"]["id"], 2)


def test_a_refused_subscription_answers_coded_errors_on_the_socket(server):
    """graphql-transport-ws's `error` message carries the same coded entries as a POST answer."""
    token = server.token("guest")
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert receive(ws) == {"type": "connection_ack"}
        refusals = {
            "wrong-enum": {"query": SUBSCRIPTION, "variables": {"types": ["FOO"]}},
            "bad-id": {"query": SUBSCRIPTION, "variables": {"locationId": "nope"}},
            "unknown-field": {"query": "subscription { bogus }"},
        }
        codes = {}
        for op_id, payload in refusals.items():
            ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
            message = receive(ws)
            while message["type"] == "complete":  # the end of an earlier refused operation
                message = receive(ws)
            assert message["id"] == op_id, message
            errors = (
                message["payload"] if message["type"] == "error" else message["payload"]["errors"]
            )
            codes[op_id] = [error["extensions"]["code"] for error in errors]
    assert codes == {
        "wrong-enum": ["BAD_USER_INPUT"],
        "bad-id": ["VALIDATION"],
        "unknown-field": ["GRAPHQL_VALIDATION_FAILED"],
    }
