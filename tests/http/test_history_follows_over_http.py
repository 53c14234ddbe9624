"""What the API says about an event's animals and places follows history (SPEC §1.9), told as
a new user met it, over GraphQL against a real server, with late entries and an edit.

The farm: six adult female ducks (d0–d5) at Strip 1 and one (n) at Strip 2 from day 0; eggs
collected at Strip 1 every day at 08:00 from day 1 to day 8. Then, recorded late:
1. d0 died on day 2 at noon: it laid the eggs of days 1 and 2 only, none of the 6 after;
2. d1 went to Strip 3 on day 4 at noon: it is no producer of the 4 later collections;
3. d2 was tagged on day 6 at noon, then a move to Strip 2 on day 5 at noon was recorded:
   the tag is in Strip 2's log, not Strip 1's;
4. d3 moved to Strip 4 on day 6 and was tagged on day 7 (Strip 4's log); the tag's time is then
   edited back to day 3, when d3 was in Strip 1: the tag moves to Strip 1's log;
5. n was moved into Strip 1 on day 3 at noon: it now counts as a producer of days 4 to 8.
"""

from __future__ import annotations

import pytest

from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import DAY, HOUR, HttpGraphQLDriver, iso

EVENT = "query($id: ID!) { event(id: $id) { type animalIds locationIds } }"
ANIMAL_EVENTS = """
  query($animal: ID!, $types: [EventType!]) {
    events(animalId: $animal, types: $types) { totalCount nodes { id } }
    animal(id: $animal) { timeline(first: 100) { nodes { id type } } }
  }
"""
LOCATION_LOG = """
  query($id: ID!) {
    location(id: $id) { eventLog(first: 100) { nodes { id type } } }
    events(locationId: $id, first: 100) { nodes { id } }
  }
"""


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """The farm above, recorded through the API; yields (client, names → ids, event ids)."""
    from tests.live_server import make_db, serving

    db_path = make_db(tmp_path_factory.mktemp("history-follows") / "animaltrack.db")
    with serving(create_app(Settings(db_path=str(db_path))), db_path) as server:
        with HttpGraphQLDriver(server, "ppetru") as gql:
            yield _record(gql)


def _record(gql):
    base = gql.now - 30 * DAY
    strip = {n: gql.location_id(f"Strip {n}") for n in (1, 2, 3, 4)}
    ducks = gql.cohort("Strip 1", 6, ts=base)
    (newcomer,) = gql.cohort("Strip 2", 1, ts=base)
    ids = {f"d{i}": duck for i, duck in enumerate(ducks)} | {"n": newcomer} | strip
    collections = [_collect(gql, strip[1], base + day * DAY + 8 * HOUR) for day in range(1, 9)]

    def run(name: str, input: dict, extra: str = "") -> dict:
        result = gql.mutate(name, input, extra)
        assert "event" in result, result
        return result

    def move(animal: str, to: int, ts: int) -> dict:
        return run(
            "moveAnimals",
            {"toLocationId": strip[to], "tsUtc": iso(ts)} | _picked(gql, [animal], ts),
            "... on AnimalsMoved { fromLocationId }",
        )

    def tag(animal: str, name: str, ts: int) -> str:
        input = {"tag": name, "tsUtc": iso(ts)} | _picked(gql, [animal], ts)
        return run("addTag", input)["event"]["id"]

    # Recorded in this order; every entry but the last move of d3 lies before earlier ones.
    outcome = {"outcome": "DEATH", "tsUtc": iso(base + 2 * DAY + 12 * HOUR)}
    run("recordOutcome", outcome | _picked(gql, [ids["d0"]], base + 2 * DAY + 12 * HOUR))
    move(ids["d1"], 3, base + 4 * DAY + 12 * HOUR)
    tag_d2 = tag(ids["d2"], "lame", base + 6 * DAY + 12 * HOUR)
    move_d2 = move(ids["d2"], 2, base + 5 * DAY + 12 * HOUR)
    move(ids["d3"], 4, base + 6 * DAY)
    tag_d3 = tag(ids["d3"], "broody", base + 7 * DAY)
    in_strip_4 = _log(gql, strip[4])
    edited = gql.mutate(
        "editEvent",
        {"eventId": tag_d3, "tsUtc": iso(base + 3 * DAY), "expectedVersion": 1},
    )
    assert edited["__typename"] == "EventEdited", edited
    move(ids["n"], 1, base + 3 * DAY + 12 * HOUR)
    events = {"collections": collections, "tag_d2": tag_d2, "move_d2": move_d2, "tag_d3": tag_d3}
    return gql, ids, events, {"tag_d3_before_edit_in_strip_4": tag_d3 in in_strip_4}


def _picked(gql, animals: list[str], ts: int) -> dict:
    """A hand-picked selection, as a client sends it: an `id:` filter, its ids and hash."""
    return gql.selection_input("id:" + "|".join(animals), at=iso(ts))


def _collect(gql, location: str, ts: int) -> str:
    input = {"locationId": location, "productCode": "egg.duck", "quantity": "3", "tsUtc": iso(ts)}
    result = gql.mutate("collectProduct", input)
    assert result["__typename"] == "ProductCollected", result
    return result["event"]["id"]


def _log(gql, location: str) -> list[str]:
    data = gql.data(LOCATION_LOG, {"id": location})
    log = [e["id"] for e in data["location"]["eventLog"]["nodes"]]
    assert log == [e["id"] for e in data["events"]["nodes"]]  # one table answers both
    return log


def _animals(gql, event_id: str) -> list[str]:
    return gql.data(EVENT, {"id": event_id})["event"]["animalIds"]


def test_a_backdated_death_ends_a_ducks_laying(farm):
    gql, ids, events, _ = farm
    collections, dead = events["collections"], ids["d0"]
    data = gql.data(ANIMAL_EVENTS, {"animal": dead, "types": ["PRODUCT_COLLECTED"]})
    # The eggs of days 1 and 2 only: newest first.
    assert [e["id"] for e in data["events"]["nodes"]] == collections[1::-1]
    timeline = [e["type"] for e in data["animal"]["timeline"]["nodes"]]
    assert timeline == [
        "ANIMAL_OUTCOME",
        "PRODUCT_COLLECTED",
        "PRODUCT_COLLECTED",
        "ANIMAL_COHORT_CREATED",
    ]
    for later in collections[2:]:  # the 6 collections after the death
        assert dead not in _animals(gql, later)
    assert dead in _animals(gql, collections[1])


def test_a_backdated_move_away_ends_a_ducks_laying_there(farm):
    gql, ids, events, _ = farm
    collections, moved = events["collections"], ids["d1"]
    data = gql.data(ANIMAL_EVENTS, {"animal": moved, "types": ["PRODUCT_COLLECTED"]})
    assert data["events"]["totalCount"] == 4  # days 1 to 4
    for later in collections[4:]:
        assert moved not in _animals(gql, later)


def test_a_tag_is_in_the_log_of_the_strip_a_backdated_move_put_the_duck_in(farm):
    gql, ids, events, _ = farm
    tag = events["tag_d2"]
    assert tag in _log(gql, ids[2])
    assert tag not in _log(gql, ids[1])
    assert gql.data(EVENT, {"id": tag})["event"]["locationIds"] == [ids[2]]
    # The move is about both strips; its source is derived, not stored.
    move = events["move_d2"]
    assert move["fromLocationId"] == ids[1]
    assert "from_location_id" not in move["event"]["payload"]
    assert sorted(gql.data(EVENT, {"id": move["event"]["id"]})["event"]["locationIds"]) == sorted(
        [ids[1], ids[2]]
    )


def test_a_tag_edited_back_in_time_moves_to_the_strip_the_duck_was_in_then(farm):
    gql, ids, events, before = farm
    tag = events["tag_d3"]
    assert before["tag_d3_before_edit_in_strip_4"]
    assert tag in _log(gql, ids[1])
    assert tag not in _log(gql, ids[4])


def test_a_backdated_move_into_the_strip_makes_a_newcomer_a_producer(farm):
    gql, ids, events, _ = farm
    collections = events["collections"]
    assert sorted(_animals(gql, collections[-1])) == sorted([ids["d4"], ids["d5"], ids["n"]])
    assert ids["n"] not in _animals(gql, collections[2])  # day 3, before it arrived
    for later in collections[3:]:
        assert ids["n"] in _animals(gql, later)
    data = gql.data(ANIMAL_EVENTS, {"animal": ids["n"], "types": ["PRODUCT_COLLECTED"]})
    assert [e["id"] for e in data["events"]["nodes"]] == collections[:2:-1]
