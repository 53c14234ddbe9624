"""SPEC §9.3 through GraphQL: a stale selection is a `SelectionMismatch`, then confirmed.

1. Client A asks for `location:"Strip 1"` (from Strip 1): five ids and hash H1.
2. Client B moves two of them to Strip 2.
3. Client A moves to Nursery 1 with H1, not confirmed: nothing is written; the answer (HTTP 200)
   is a SelectionMismatch with removed = the two, added = none, and the current three.
4. Client A resubmits confirmed: the server moves what the filter selects then (three).
Final: Strip 1 has 0 females, Strip 2 has 5, Nursery 1 has 3; exactly two AnimalMoved events.
"""

from __future__ import annotations

from graphql_driver import HOUR, RECORDER, iso, mask

FILTER = 'location:"Strip 1"'
MISMATCH = """
    ... on AnimalsMoved { animalIds }
    ... on SelectionMismatch {
      added removed currentAnimalIds currentRosterHash currentCount
    }
"""


def _females(gql, location: str) -> int:
    query = "query($f: String!) { animals(filter: $f) { totalCount } }"
    return gql.data(query, {"f": f'location:"{location}" sex:female'})["animals"]["totalCount"]


def test_a_stale_selection_is_refused_then_moved_when_confirmed(gql, snapshot):
    strip_1, strip_2 = gql.location_id("Strip 1"), gql.location_id("Strip 2")
    nursery_1 = gql.location_id("Nursery 1")
    flock = gql.cohort("Strip 1", 5)
    gql.cohort("Strip 2", 3)

    # 1. Client A looks (T1).
    t1 = gql.now - 3 * HOUR
    seen = gql.selection(FILTER, at=iso(t1), fromLocationId=strip_1)
    assert seen["count"] == 5

    # 2. Client B moves two of them (T2).
    client_b = gql.as_user(RECORDER)
    two = sorted(flock)[:2]
    b_seen = client_b.selection(f"id:{two[0]}|{two[1]}", fromLocationId=strip_1)
    moved = client_b.mutate(
        "moveAnimals",
        {
            "filter": f"id:{two[0]}|{two[1]}",
            "resolvedIds": b_seen["animalIds"],
            "rosterHash": b_seen["rosterHash"],
            "fromLocationId": strip_1,
            "toLocationId": strip_2,
            "tsUtc": iso(gql.now - 2 * HOUR),
        },
    )
    assert moved["__typename"] == "AnimalsMoved"

    # 3. Client A submits what it saw (T3), not confirmed.
    request = {
        "filter": FILTER,
        "resolvedIds": seen["animalIds"],
        "rosterHash": seen["rosterHash"],
        "fromLocationId": strip_1,
        "toLocationId": nursery_1,
        "tsUtc": iso(gql.now - HOUR),
    }
    refused = gql.mutate("moveAnimals", request, MISMATCH)
    assert refused["__typename"] == "SelectionMismatch"
    assert refused["removed"] == two
    assert refused["added"] == []
    assert refused["currentCount"] == 3
    assert refused["currentAnimalIds"] == sorted(set(flock) - set(two))
    now_seen = gql.selection(FILTER, at=request["tsUtc"], fromLocationId=strip_1)
    assert refused["currentRosterHash"] == now_seen["rosterHash"]
    assert _females(gql, "Nursery 1") == 0

    # 4. Client A confirms.
    confirmed = gql.mutate("moveAnimals", {**request, "confirmed": True}, MISMATCH)
    assert confirmed["__typename"] == "AnimalsMoved"
    assert confirmed["animalIds"] == refused["currentAnimalIds"]

    assert (_females(gql, "Strip 1"), _females(gql, "Strip 2"), _females(gql, "Nursery 1")) == (
        0,
        5,
        3,
    )
    moves = gql.data("{ events(types: [ANIMAL_MOVED]) { totalCount } }")["events"]
    assert moves["totalCount"] == 2
    assert mask({"refused": refused, "confirmed": confirmed}) == snapshot


def test_the_selection_query_hashes_the_location_the_mutation_hashes(gql):
    strip_1 = gql.location_id("Strip 1")
    gql.cohort("Strip 1", 2)
    plain = gql.selection(FILTER)
    for_move = gql.selection(FILTER, fromLocationId=strip_1)
    for_collection = gql.selection(FILTER, locationId=strip_1)
    assert plain["rosterHash"] != for_move["rosterHash"]
    assert for_move["rosterHash"] == for_collection["rosterHash"]
    listing = gql.data("query($f: String!) { animals(filter: $f) { rosterHash } }", {"f": FILTER})
    assert listing["animals"]["rosterHash"] == plain["rosterHash"]


def _move(gql, seen: dict, **input) -> dict:
    return gql.mutate(
        "moveAnimals",
        {
            "filter": FILTER,
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
            "toLocationId": gql.location_id("Nursery 1"),
            **input,
        },
    )


def _stale_hash(message: str) -> dict:
    return {"__typename": "ValidationError", "message": message, "field": "rosterHash"}


def test_a_move_hashed_without_its_source_says_so(gql):
    """The move hashes exactly the client's `fromLocationId`; the animals did not change, so the
    answer says what is wrong with the hash instead of "0 added, 0 removed"."""
    gql.cohort("Strip 1", 2)
    before = gql.event_count()
    result = _move(gql, gql.selection(FILTER), fromLocationId=gql.location_id("Strip 1"))
    assert result == _stale_hash(
        "The roster hash of these animals was made without a location, but this command names"
        " 'Strip 1' (a move's fromLocationId, a collection's locationId): ask `selection` with"
        " that same location and send the rosterHash it gives."
    )
    assert gql.event_count() == before


def test_a_hash_made_for_another_location_says_which(gql):
    gql.cohort("Strip 1", 2)
    strip_1, strip_2 = gql.location_id("Strip 1"), gql.location_id("Strip 2")
    seen = gql.selection(FILTER, fromLocationId=strip_2)
    assert _move(gql, seen, fromLocationId=strip_1) == _stale_hash(
        "The roster hash of these animals was made for 'Strip 2', but this command names"
        " 'Strip 1': ask `selection` with 'Strip 1' as its fromLocationId or locationId and send"
        " the rosterHash it gives."
    )
    assert _move(gql, gql.selection(FILTER, locationId=strip_1)) == _stale_hash(
        "The roster hash of these animals was made for 'Strip 1', but this command names no"
        " location: ask `selection` without fromLocationId or locationId and send the rosterHash"
        " it gives."
    )


def test_a_made_up_hash_says_it_was_not_made_by_the_selection_query(gql):
    gql.cohort("Strip 1", 2)
    seen = {**gql.selection(FILTER), "rosterHash": "0123456789abcdef"}
    assert _move(gql, seen) == _stale_hash(
        "The roster hash was not made by the `selection` query for these animals: ask"
        " `selection` again and send the rosterHash it gives."
    )


def test_a_real_change_with_a_hash_made_elsewhere_is_still_a_mismatch(gql):
    """Animals added or removed are what a `SelectionMismatch` is for, whatever the hash."""
    gql.cohort("Strip 1", 2)
    seen = gql.selection(FILTER)
    [newcomer] = gql.cohort("Strip 1", 1)
    result = _move(gql, seen, fromLocationId=gql.location_id("Strip 1"))
    assert (result["__typename"], result["message"]) == (
        "SelectionMismatch",
        "The selection changed since you looked: 1 animal(s) added, 0 removed. Check the new"
        " list and confirm to go ahead.",
    )
    assert newcomer in gql.selection(FILTER)["animalIds"]
