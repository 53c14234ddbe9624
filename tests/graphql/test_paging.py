"""Relay connections (SPEC §13): `first`/`after`, `pageInfo`, `totalCount`, the 500 cap."""

from __future__ import annotations

from graphql_driver import HOUR, iso

ANIMALS = """
  query($first: Int, $after: String) {
    animals(filter: "species:duck", first: $first, after: $after) {
      totalCount rosterHash
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
"""

EVENTS = """
  query($first: Int, $after: String) {
    events(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes { id tsUtc }
    }
  }
"""


def test_paging_through_animals_visits_each_once_in_id_order(gql):
    ids = sorted(gql.cohort("Strip 1", 7))
    seen, after, pages = [], None, 0
    while True:
        page = gql.data(ANIMALS, {"first": 3, "after": after})["animals"]
        assert page["totalCount"] == 7
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert (seen, pages) == (ids, 3)


def test_the_roster_hash_covers_every_page(gql):
    gql.cohort("Strip 1", 4)
    first = gql.data(ANIMALS, {"first": 1})["animals"]
    everything = gql.data(ANIMALS, {"first": 500})["animals"]
    assert first["rosterHash"] == everything["rosterHash"]
    assert first["rosterHash"] == gql.selection("species:duck")["rosterHash"]


def test_paging_through_events_newest_first(gql):
    for n in range(5):
        gql.mutate("createLocation", {"name": f"Pen {n}", "tsUtc": iso(gql.now - (5 - n) * HOUR)})
    total = gql.data("{ events(first: 0) { totalCount pageInfo { hasNextPage } } }")["events"]
    assert total == {"totalCount": 13, "pageInfo": {"hasNextPage": True}}  # 8 seed locations
    seen, after = [], None
    while True:
        page = gql.data(EVENTS, {"first": 4, "after": after})["events"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({e["id"] for e in seen}) == 13
    keys = [(e["tsUtc"], e["id"]) for e in seen]
    assert keys == sorted(keys, reverse=True)


LOCATION_EVENTS = """
  query($id: ID!, $first: Int, $after: String, $since: DateTime) {
    events(locationId: $id, first: $first, after: $after, since: $since) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id tsUtc }
    }
  }
"""


def test_a_locations_events_page_newest_first_after_backdating_editing_and_deleting(gql):
    """Backdated, edited (moved in time) and deleted collections: a location's events come
    newest first by time and id, each once, the deleted one left out, whatever the page size."""
    strip = gql.location_id("Strip 1")
    gql.cohort("Strip 1", 3, ts=gql.now - 30 * HOUR)

    def eggs(hours_ago: int) -> str:
        collected = gql.mutate(
            "collectProduct",
            {"locationId": strip, "productCode": "egg.duck", "quantity": "2"}
            | {"tsUtc": iso(gql.now - hours_ago * HOUR)},
        )
        return collected["event"]["id"]

    ids = [eggs(h) for h in (1, 20, 5, 12, 5)]
    edited = gql.mutate("editEvent", {"eventId": ids[1], "tsUtc": iso(gql.now - 2 * HOUR)})
    deleted = gql.mutate("deleteEvent", {"eventId": ids[3], "reason": "typed twice"})
    assert (edited["__typename"], deleted["__typename"]) == ("EventEdited", "EventDeleted")
    everything = gql.data(LOCATION_EVENTS, {"id": strip, "first": 500})["events"]
    keys = [(e["tsUtc"], e["id"]) for e in everything["nodes"]]
    assert keys == sorted(keys, reverse=True)
    assert ids[3] not in {e["id"] for e in everything["nodes"]}
    assert set(ids) - {ids[3]} <= {e["id"] for e in everything["nodes"]}
    assert everything["totalCount"] == len(keys)
    since = iso(gql.now - 6 * HOUR)
    for first, variables in ((1, {}), (2, {}), (3, {"since": since})):
        seen, after = [], None
        while True:
            page = gql.data(
                LOCATION_EVENTS, {"id": strip, "first": first, "after": after, **variables}
            )["events"]
            seen += [(e["tsUtc"], e["id"]) for e in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        expected = [k for k in keys if not variables or k[0] >= since]
        assert seen == expected
        assert page["totalCount"] == len(expected)


def test_an_empty_page(gql):
    page = gql.data(ANIMALS, {"first": 10})["animals"]
    assert page["totalCount"] == 0
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


def test_first_above_500_is_refused_naming_the_cap(gql):
    for query in (ANIMALS, EVENTS):
        response = gql.execute(query, {"first": 501})
        [error] = response["errors"]
        assert "500" in error["message"]
        assert error["extensions"] == {"code": "VALIDATION", "field": "first"}
    assert gql.data(ANIMALS, {"first": 500})["animals"]["totalCount"] == 0


def test_a_cursor_of_another_list_is_refused(gql):
    gql.cohort("Strip 1", 2)
    animal_cursor = gql.data(ANIMALS, {"first": 1})["animals"]["pageInfo"]["endCursor"]
    [error] = gql.execute(EVENTS, {"after": animal_cursor})["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "after"}
