"""`eventAppended` and `logChanged` over a real WebSocket (SPEC §13): graphql-transport-ws against
the app served by uvicorn, the token in the `connection_init` payload; events are recorded,
edited and deleted by mutations over HTTP and reach the subscribers once committed. A dashboard
that lost its socket catches up with the query `logChanges`.

Every wait is on an event, up to 10 s (SPEC §17): a reply on the socket, or the server's log feed
gaining (or losing) this subscription's listener — the server runs in this process, and
graphql-transport-ws has no acknowledgement of a `subscribe` to wait on instead. A WebSocket
without credentials is refused in `test_auth.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from websockets.sync.client import connect as ws_connect

from resolvers.app import create_app
from resolvers.log_feed import feed_for
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
    """The `next` message of `op_id` carrying event `event_id` (other tests of the module
    record on the same farm, so other events may come first)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        message = receive(ws)
        assert message["id"] == op_id and message["type"] == "next", message
        if message["payload"]["data"]["eventAppended"]["id"] == event_id:
            return message
    raise AssertionError(f"no event {event_id} within {TIMEOUT_S}s")


def subscribe(server, ws, op_id: str, variables: dict, query: str = SUBSCRIPTION) -> int:
    """Send `subscribe` and wait until the server listens; return how many listened before."""
    feed = feed_for(server.app.state.db)
    before = feed.listening
    message = {"query": query, "variables": variables}
    ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": message}))
    wait_for(lambda: feed.listening == before + 1, "the subscription")
    return before


def test_a_subscriber_receives_an_event_recorded_over_http(server, admin, snapshot):
    token = server.token("ines")
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert receive(ws) == {"type": "connection_ack"}
        before = subscribe(server, ws, "dashboard", {"types": ["LOCATION_CREATED"]})

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
        feed = feed_for(server.app.state.db)
        wait_for(lambda: feed.listening == before, "the unsubscription")


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
        subscribe(server, ws, "strip-2", {"types": ["FEED_GIVEN"], "locationId": strip_2})

        give = {"feedTypeCode": "layer", "amountKg": 1}
        admin.mutate("giveFeed", {**give, "locationId": strip_1})
        wanted = admin.mutate("giveFeed", {**give, "amountKg": 2, "locationId": strip_2})
        # The first `next` on this socket is the Strip 2 feeding: Strip 1's was filtered out.
        message = receive(ws)
        assert message["type"] == "next"
        event = message["payload"]["data"]["eventAppended"]
        assert (event["id"], event["payload"]["amountKg"]) == (wanted["event"]["id"], 2)


# -- logChanged: appends, edits and deletes, and catching up with logChanges -------------------

CHANGE_FIELDS = "logSeq kind at event { id type actor version tsUtc payload }"
LOG_CHANGED = f"""
  subscription($types: [EventType!], $locationId: ID) {{
    logChanged(types: $types, locationId: $locationId) {{ {CHANGE_FIELDS} }}
  }}
"""
LOG_CHANGES = f"""
  query($afterSeq: Long!, $first: Int) {{
    logChanges(afterSeq: $afterSeq, first: $first) {{
      changes {{ {CHANGE_FIELDS} }} lastSeq hasMore
    }}
  }}
"""


def connected(ws, token: str) -> None:
    ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert receive(ws) == {"type": "connection_ack"}


def collected(admin, strip: str) -> str:
    """Record eggs at `strip` (its ducks laid them); return the event id."""
    result = admin.mutate(
        "collectProduct", {"locationId": strip, "productCode": "egg.duck", "quantity": 4}
    )
    assert result["__typename"] == "ProductCollected", result
    return result["event"]["id"]


def until_each_sees(ws, last: dict[str, str]) -> dict[str, list[dict]]:
    """Every `next` of each operation, in order, until each has received its `last` event (by
    id): the payloads of the operations a socket interleaves, sorted out by operation."""
    received: dict[str, list[dict]] = {op: [] for op in last}
    done: set[str] = set()
    while done != set(last):
        message = receive(ws)
        assert message["type"] == "next", message
        op = message["id"]
        [item] = message["payload"]["data"].values()
        event_id = item["event"]["id"] if "event" in item else item["id"]
        assert op not in done, f"{op} received {item} after its last event"
        received[op].append(item)
        if event_id == last[op]:
            done.add(op)
    return received


def kinds(items: list[dict]) -> list[tuple[str, str]]:
    return [(item["kind"], item["event"]["id"]) for item in items]


@pytest.fixture(scope="module")
def ducks_at_three_strips(server):
    """Strips 1–3, each with ducks to lay the eggs collected there."""
    with HttpGraphQLDriver(server, "ppetru") as admin:
        for n in (1, 2, 3):
            admin.cohort(f"Strip {n}", 2)
        return [admin.location_id(f"Strip {n}") for n in (1, 2, 3)]


def test_log_changed_delivers_an_edit_and_a_delete_to_the_old_and_the_new_place(
    server, admin, ducks_at_three_strips
):
    """Eggs recorded at Strip 1, moved by an edit to Strip 2, then deleted: Strip 1's dashboard
    hears of the append and the edit, Strip 2's of the edit and the delete, Strip 3's of
    neither; `eventAppended` hears of the append only."""
    strip_1, strip_2, strip_3 = ducks_at_three_strips
    eggs = {"types": ["PRODUCT_COLLECTED"]}
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        connected(ws, server.token("guest"))
        subscribe(server, ws, "everything", {}, LOG_CHANGED)
        for op, strip in (("strip-1", strip_1), ("strip-2", strip_2), ("strip-3", strip_3)):
            subscribe(server, ws, op, {**eggs, "locationId": strip}, LOG_CHANGED)
        subscribe(server, ws, "appended", eggs)

        eggs_id = collected(admin, strip_1)
        edit = {"eventId": eggs_id, "payload": {"locationId": strip_2}, "expectedVersion": 1}
        assert admin.mutate("editEvent", edit)["__typename"] == "EventEdited"
        deleted = admin.mutate("deleteEvent", {"eventId": eggs_id, "reason": "counted twice"})
        assert deleted["__typename"] == "EventDeleted", deleted
        # One more collection at each strip marks the end of what each dashboard hears.
        marks = [collected(admin, strip) for strip in (strip_1, strip_2, strip_3)]
        received = until_each_sees(
            ws,
            {
                "everything": marks[2],
                "strip-1": marks[0],
                "strip-2": marks[1],
                "strip-3": marks[2],
                "appended": marks[2],
            },
        )

    appended, edited, removed = "APPENDED", "EDITED", "DELETED"
    assert kinds(received["strip-1"]) == [
        (appended, eggs_id),
        (edited, eggs_id),
        (appended, marks[0]),
    ]
    assert kinds(received["strip-2"]) == [
        (edited, eggs_id),
        (removed, eggs_id),
        (appended, marks[1]),
    ]
    assert kinds(received["strip-3"]) == [(appended, marks[2])]
    assert [e["id"] for e in received["appended"]] == [eggs_id, *marks]

    everything = received["everything"]
    assert kinds(everything) == [
        (appended, eggs_id),
        (edited, eggs_id),
        (removed, eggs_id),
        *[(appended, mark) for mark in marks],
    ]
    # One sequence number per change, one more than the change before.
    seqs = [item["logSeq"] for item in everything]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    # The append carries version 1 at Strip 1; the edit its new version at Strip 2; the
    # delete the event as it was deleted.
    versions = [
        (i["event"]["version"], i["event"]["payload"]["locationId"]) for i in everything[:3]
    ]
    assert versions == [(1, strip_1), (2, strip_2), (2, strip_2)]


def test_log_changes_returns_what_the_socket_delivered_and_what_it_missed(
    server, admin, ducks_at_three_strips
):
    """A dashboard whose socket dropped catches up from the last `logSeq` it saw: the changes
    it had received read back the same, and those made while it was away follow."""
    strip_1, strip_2, _ = ducks_at_three_strips
    with ws_connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S) as ws:
        connected(ws, server.token("guest"))
        subscribe(server, ws, "dashboard", {}, LOG_CHANGED)
        eggs_id = collected(admin, strip_1)
        edit = {"eventId": eggs_id, "payload": {"quantity": 5}}
        assert admin.mutate("editEvent", edit)["__typename"] == "EventEdited"
        delivered = [receive(ws)["payload"]["data"]["logChanged"] for _ in range(2)]
    assert kinds(delivered) == [("APPENDED", eggs_id), ("EDITED", eggs_id)]

    # While the socket is gone: an edit and a delete.
    away = {"eventId": eggs_id, "payload": {"locationId": strip_2}}
    assert admin.mutate("editEvent", away)["__typename"] == "EventEdited"
    assert admin.mutate("deleteEvent", {"eventId": eggs_id})["__typename"] == "EventDeleted"

    first_seq = delivered[0]["logSeq"]
    again = admin.data(LOG_CHANGES, {"afterSeq": first_seq - 1, "first": 2})["logChanges"]
    assert again == {"changes": delivered, "lastSeq": delivered[-1]["logSeq"], "hasMore": True}

    missed = admin.data(LOG_CHANGES, {"afterSeq": again["lastSeq"]})["logChanges"]
    assert kinds(missed["changes"]) == [("EDITED", eggs_id), ("DELETED", eggs_id)]
    assert [c["event"]["version"] for c in missed["changes"]] == [3, 3]
    assert missed["changes"][0]["event"]["payload"]["locationId"] == strip_2
    assert missed["lastSeq"] == missed["changes"][-1]["logSeq"] == first_seq + 3
    assert missed["hasMore"] is False

    # Nothing after the last one; the sequence number stays for the next try.
    after = admin.data(LOG_CHANGES, {"afterSeq": missed["lastSeq"]})["logChanges"]
    assert after == {"changes": [], "lastSeq": missed["lastSeq"], "hasMore": False}


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
