"""Scenario 21.8 (SPEC §9.3, §16) over HTTP: two clients, each with its own token and keep-alive
connection, against the app served by uvicorn on a fresh database.

1. Client A (ppetru) asks for the selection `location:"Strip 1"` from Strip 1: five ids, hash H1.
2. Client B (ines) moves two of them to Strip 2, with a selection of its own.
3. Client A moves to Nursery 1 with filter, ids and H1, not confirmed: nothing is written; the
   answer is HTTP 200 carrying a SelectionMismatch: removed = the two, added = none, three now.
4. Client A resubmits confirmed: the server resolves the filter again when it receives the move
   (no `tsUtc`: the server's now) and moves the three it selects then.
Final: Strip 1 has 0 females, Strip 2 has 5, Nursery 1 has 3; exactly two AnimalMoved events.
"""

from __future__ import annotations

import pytest

from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import DAY, HttpGraphQLDriver, mask

FILTER = 'location:"Strip 1"'
MOVE = """
  mutation($input: MoveAnimalsInput!) {
    moveAnimals(input: $input) {
      __typename
      ... on UserError { message }
      ... on AnimalsMoved { animalIds fromLocationId toLocationId event { id type actor } }
      ... on SelectionMismatch { added removed currentAnimalIds currentRosterHash currentCount }
    }
  }
"""


@pytest.fixture
def server(fresh_db, start_server):
    db_path = fresh_db("confirm-flow")
    return start_server(create_app(Settings(db_path=str(db_path))), db_path)


@pytest.fixture
def client_a(server):
    with HttpGraphQLDriver(server, "ppetru") as client:
        yield client


@pytest.fixture
def client_b(server):
    with HttpGraphQLDriver(server, "ines") as client:
        yield client


def females(client, location: str) -> int:
    query = "query($f: String!) { animals(filter: $f) { totalCount } }"
    variables = {"f": f'location:"{location}" sex:female'}
    return client.data(query, variables)["animals"]["totalCount"]


def moves(client) -> int:
    return client.data("{ events(types: [ANIMAL_MOVED]) { totalCount } }")["events"]["totalCount"]


def test_a_stale_selection_is_refused_then_moved_when_confirmed(client_a, client_b, snapshot):
    strip_1, strip_2 = client_a.location_id("Strip 1"), client_a.location_id("Strip 2")
    nursery_1 = client_a.location_id("Nursery 1")
    flock = client_a.cohort("Strip 1", 5, ts=client_a.now - DAY)
    client_a.cohort("Strip 2", 3, ts=client_a.now - DAY)

    # 1. Client A looks.
    seen = client_a.selection(FILTER, fromLocationId=strip_1)
    assert (seen["count"], sorted(seen["animalIds"])) == (5, sorted(flock))

    # 2. Client B moves two of them, with its own fresh selection.
    two = sorted(flock)[:2]
    b_filter = f"id:{two[0]}|{two[1]}"
    b_seen = client_b.selection(b_filter, fromLocationId=strip_1)
    moved = client_b.mutate(
        "moveAnimals",
        {
            "filter": b_filter,
            "resolvedIds": b_seen["animalIds"],
            "rosterHash": b_seen["rosterHash"],
            "fromLocationId": strip_1,
            "toLocationId": strip_2,
        },
    )
    assert (moved["__typename"], moved["event"]["actor"]) == ("AnimalsMoved", "ines")

    # 3. Client A submits what it saw, not confirmed: HTTP 200, a SelectionMismatch, no write.
    request = {
        "filter": FILTER,
        "resolvedIds": seen["animalIds"],
        "rosterHash": seen["rosterHash"],
        "fromLocationId": strip_1,
        "toLocationId": nursery_1,
        "confirmed": False,
    }
    response = client_a.post({"query": MOVE, "variables": {"input": request}})
    assert response.status_code == 200
    assert "errors" not in response.json()
    refused = response.json()["data"]["moveAnimals"]
    assert refused["__typename"] == "SelectionMismatch"
    assert (refused["removed"], refused["added"], refused["currentCount"]) == (two, [], 3)
    assert refused["currentAnimalIds"] == sorted(set(flock) - set(two))
    now_seen = client_a.selection(FILTER, fromLocationId=strip_1)
    assert refused["currentRosterHash"] == now_seen["rosterHash"] != seen["rosterHash"]
    assert (females(client_a, "Nursery 1"), moves(client_a)) == (0, 1)

    # 4. Client A confirms: the three the filter selects now are moved.
    confirmed = client_a.data(MOVE, {"input": {**request, "confirmed": True}})["moveAnimals"]
    assert confirmed["__typename"] == "AnimalsMoved"
    assert confirmed["animalIds"] == refused["currentAnimalIds"]
    assert (confirmed["fromLocationId"], confirmed["toLocationId"]) == (strip_1, nursery_1)

    # Final state, as either client reads it.
    counts = {where: females(client_b, where) for where in ("Strip 1", "Strip 2", "Nursery 1")}
    assert counts == {"Strip 1": 0, "Strip 2": 5, "Nursery 1": 3}
    roster = client_b.data(
        "query($id: ID!) { location(id: $id) { roster { totalCount } } }", {"id": nursery_1}
    )
    assert roster["location"]["roster"]["totalCount"] == 3
    assert moves(client_b) == 2
    assert mask({"refused": refused, "confirmed": confirmed}) == snapshot
