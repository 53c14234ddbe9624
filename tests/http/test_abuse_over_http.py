"""Hostile or mistaken requests over HTTP (SPEC §13): each gets a clear answer — a GraphQL error
(with `extensions.code` where a query argument is at fault), a null, or a union member — and the
server keeps serving afterwards.

Covered elsewhere, not repeated here: a 2 MiB body (413, `test_body_limit.py`), the 51-alias and
5 001-token refusals on the served schema (`test_limits.py`), requests without credentials
(`test_auth.py`).
"""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.graphql.graphql_driver import HttpGraphQLDriver, mask

# A valid ULID that names nothing in the seeded database.
UNKNOWN_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def nested(depth: int, page: str = "") -> str:
    """A query `depth` levels deep as the limiter counts them (`test_limits.nested`): the
    root field `locations`, then `depth - 1` fields of roster → nodes → location → roster → …,
    then a scalar. `page` (e.g. `(first: 1)`) is given to each roster, to keep the query's cost
    (`resolvers/cost.py`) low where only its depth is at stake."""
    cycle = [f"roster{page}", "nodes", "location"]
    fields = ["locations"] + [cycle[i % 3] for i in range(depth - 1)]
    leaf = "totalCount" if fields[-1].startswith("roster") else "id"
    return "{ " + " { ".join(fields) + " { " + leaf + " }" + " }" * depth


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


NEGATIVE_COHORT = """
  mutation {
    createCohort(input: {species: "duck", count: -1, lifeStage: ADULT,
                         locationId: "0000000000SEED000000000001"}) {
      __typename
      ... on UserError { message }
      ... on ValidationError { field }
    }
  }
"""

CASES = {
    "20 levels deep": nested(20),
    "200 aliases": aliased(200),
    "a filter that does not parse": '{ animals(filter: "sex:purple") { totalCount } }',
    "an unknown id": f'{{ animal(id: "{UNKNOWN_ID}") {{ id }} }}',
    "an id that is not a ULID": '{ animal(id: "nope") { id } }',
    "a negative count": NEGATIVE_COHORT,
}


@pytest.fixture(scope="module")
def recorder(live_server):
    with HttpGraphQLDriver(live_server, "ines") as client:
        yield client


def events_recorded(client) -> int:
    query = "{ events(includeDeleted: true) { totalCount } }"
    return client.data(query)["events"]["totalCount"]


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
def test_each_abuse_gets_a_clear_answer_and_the_server_keeps_serving(recorder, query, snapshot):
    before = events_recorded(recorder)
    response = recorder.post({"query": query})
    assert response.status_code == 200
    assert mask(response.json()) == snapshot
    assert events_recorded(recorder) == before
    assert recorder.execute("{ __typename }") == {"data": {"__typename": "Query"}}


def test_depth_12_runs_and_13_is_refused_by_the_served_schema(recorder):
    assert "errors" not in recorder.execute(nested(12, "(first: 1)"))  # the deepest allowed
    for depth in (13, 20):
        deep = recorder.execute(nested(depth))
        [error] = deep["errors"]
        assert "exceeds maximum operation depth of 12" in error["message"]
        assert deep.get("data") is None


def test_unknown_and_malformed_ids_are_null(recorder):
    query = "query($id: ID!) { animal(id: $id) { id } event(id: $id) { id } }"
    for animal_id in (UNKNOWN_ID, "nope", ""):
        assert recorder.data(query, {"id": animal_id}) == {"animal": None, "event": None}


def test_a_2_mib_websocket_message_closes_that_socket_only(live_server, recorder):
    """The body limit holds on the WebSocket too (uvicorn's `ws_max_size`): the socket is
    closed as "message too big" (1009) and the server keeps serving."""
    token = live_server.token("ines")
    with ws_connect(
        live_server.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10
    ) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        padding = "x" * (2 * 1024 * 1024)
        query = {"query": "{ __typename }", "variables": {"padding": padding}}
        ws.send(json.dumps({"id": "big", "type": "subscribe", "payload": query}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1009
    assert recorder.execute("{ __typename }") == {"data": {"__typename": "Query"}}


# JSON nested 1 000 deep: 2 KB, far under the body limit, yet deeper than Python's recursion
# limit lets `json.loads` (what Strawberry's `decode_json` calls) decode.
DEEP_JSON = "[" * 1000 + "]" * 1000
DEEP_BODY = '{"query": "{ __typename }", "variables": {"p": ' + DEEP_JSON + "}}"


def test_a_body_of_deeply_nested_json_is_a_400(live_server, recorder):
    headers = {**live_server.bearer(live_server.token("ines")), "Content-Type": "application/json"}
    response = httpx.post(live_server.graphql_url, content=DEEP_BODY, headers=headers)
    assert recorder.execute("{ __typename }") == {"data": {"__typename": "Query"}}
    assert response.status_code == 400, response.text


def test_a_websocket_message_of_deeply_nested_json_is_closed_with_4400(live_server, recorder):
    token = live_server.token("ines")
    with ws_connect(
        live_server.ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10
    ) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        ws.send('{"id": "deep", "type": "subscribe", "payload": ' + DEEP_BODY + "}")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert recorder.execute("{ __typename }") == {"data": {"__typename": "Query"}}
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400, closed.value
