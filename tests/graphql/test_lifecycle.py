"""Editing and deleting events through GraphQL (SPEC §12; scenarios 21.5 and 21.6)."""

from __future__ import annotations

from graphql_driver import DAY, HOUR, RECORDER, iso, mask

EDITED = (
    "... on EventEdited { event { version payload } } ... on VersionConflict { currentVersion }"
)
DELETED = """
  ... on EventDeleted { tombstonedEventIds dryRun event { id deleted tombstone { actor reason } } }
  ... on DependentEvents { dependentEventIds }
"""
EVENT = """
  query($id: ID!) {
    event(id: $id) {
      id version deleted payload
      revisions { version payload editedBy }
      tombstone { actor reason }
    }
  }
"""


def _eggs(gql, quantity: str, driver=None) -> str:
    driver = driver or gql
    result = driver.mutate(
        "collectProduct",
        {
            "locationId": gql.location_id("Strip 1"),
            "productCode": "egg.duck",
            "quantity": quantity,
            "tsUtc": iso(gql.now - HOUR),
        },
    )
    assert result["__typename"] == "ProductCollected", result
    return result["event"]["id"]


def _eggs_counted(gql) -> int:
    query = "query($id: ID!) { eggStats(locationId: $id) { eggsTotalPcs } }"
    return gql.data(query, {"id": gql.location_id("Strip 1")})["eggStats"]["eggsTotalPcs"]


def test_editing_an_egg_collection_keeps_a_revision_and_counts_the_new_figure(gql, snapshot):
    """21.5: a collection of 8 edited to 6: a revision is stored, version 2, statistics 6."""
    gql.cohort("Strip 1", 4)
    event_id = _eggs(gql, "8")
    result = gql.mutate(
        "editEvent",
        {"eventId": event_id, "payload": {"quantity": "6"}, "expectedVersion": 1},
        EDITED,
    )
    assert result["__typename"] == "EventEdited"
    assert result["event"]["version"] == 2
    assert _eggs_counted(gql) == 6
    stored = gql.data(EVENT, {"id": event_id})["event"]
    assert [r["payload"]["quantity"] for r in stored["revisions"]] == ["8"]
    assert mask({"edit": result, "event": stored}) == snapshot


def test_a_stale_edit_is_a_version_conflict(gql):
    gql.cohort("Strip 1", 4)
    event_id = _eggs(gql, "8")
    gql.mutate("editEvent", {"eventId": event_id, "payload": {"quantity": "7"}})
    stale = gql.mutate(
        "editEvent",
        {"eventId": event_id, "payload": {"quantity": "6"}, "expectedVersion": 1},
        EDITED,
    )
    assert stale["__typename"] == "VersionConflict"
    assert stale["currentVersion"] == 2
    assert _eggs_counted(gql) == 7


def test_an_edit_that_breaks_history_is_a_history_conflict(gql):
    strip_1, strip_2 = gql.location_id("Strip 1"), gql.location_id("Strip 2")
    [duck] = gql.cohort("Strip 1", 1, ts=gql.now - 10 * HOUR)
    seen = gql.selection(f"id:{duck}", fromLocationId=strip_1)
    gql.mutate(
        "moveAnimals",
        {
            "filter": f"id:{duck}",
            "resolvedIds": [duck],
            "rosterHash": seen["rosterHash"],
            "fromLocationId": strip_1,
            "toLocationId": strip_2,
            "tsUtc": iso(gql.now - 2 * HOUR),
        },
    )
    died = gql.mutate(
        "recordOutcome",
        {
            "filter": f"id:{duck}",
            "resolvedIds": [duck],
            "rosterHash": gql.selection(f"id:{duck}")["rosterHash"],
            "outcome": "DEATH",
        },
    )
    result = gql.mutate(
        "editEvent",
        {"eventId": died["event"]["id"], "tsUtc": iso(gql.now - 5 * HOUR)},
        "... on HistoryConflict { conflictingEventIds }",
    )
    assert result["__typename"] == "HistoryConflict"
    assert result["conflictingEventIds"]


def test_a_recorder_edits_only_their_own_events(gql):
    gql.cohort("Strip 1", 2)
    admins = _eggs(gql, "3")
    recorder = gql.as_user(RECORDER)
    refused = recorder.mutate("editEvent", {"eventId": admins, "payload": {"quantity": "2"}})
    assert refused["__typename"] == "Forbidden"
    own = _eggs(gql, "3", driver=recorder)
    allowed = recorder.mutate("editEvent", {"eventId": own, "payload": {"quantity": "2"}})
    assert allowed["__typename"] == "EventEdited"


def test_a_recorder_deletes_their_own_feed_given(gql, snapshot):
    """21.6: inventory and statistics drop it; the event stays, with its tombstone."""
    gql.mutate(
        "purchaseFeed",
        {
            "feedTypeCode": "layer",
            "bagsCount": 1,
            "bagPriceCents": 2400,
            "tsUtc": iso(gql.now - DAY),
        },
    )
    recorder = gql.as_user(RECORDER)
    given = recorder.mutate(
        "giveFeed",
        {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "layer", "amountKg": 5},
    )
    result = recorder.mutate(
        "deleteEvent", {"eventId": given["event"]["id"], "reason": "typed twice"}, DELETED
    )
    assert result["__typename"] == "EventDeleted"
    assert result["tombstonedEventIds"] == [given["event"]["id"]]
    assert result["event"]["deleted"] is True
    stock = gql.data("{ feedInventory { feedTypeCode givenKg } }")["feedInventory"]
    assert {f["feedTypeCode"]: f["givenKg"] for f in stock}["layer"] == 0
    live = gql.data("{ events(types: [FEED_GIVEN]) { totalCount } }")["events"]["totalCount"]
    every = gql.data("{ events(types: [FEED_GIVEN], includeDeleted: true) { totalCount } }")
    assert (live, every["events"]["totalCount"]) == (0, 1)
    assert mask(result) == snapshot


def test_deleting_a_cohort_with_dependents(gql, snapshot):
    """21.6: a recorder is refused with DependentEvents; an admin's dry run lists them; the
    cascade tombstones them all and the animals leave the rosters."""
    recorder = gql.as_user(RECORDER)
    strip_1 = gql.location_id("Strip 1")
    flock = recorder.cohort("Strip 1", 2)
    cohort_event = gql.data(
        "query($id: ID!) { animal(id: $id) { timeline { nodes { id } } } }", {"id": flock[0]}
    )["animal"]["timeline"]["nodes"][0]["id"]
    seen = recorder.selection('location:"Strip 1"')
    tagged = recorder.mutate(
        "addTag",
        {
            "filter": 'location:"Strip 1"',
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
            "tag": "new",
        },
    )

    refused = recorder.mutate("deleteEvent", {"eventId": cohort_event}, DELETED)
    assert refused["__typename"] == "DependentEvents"
    assert refused["dependentEventIds"] == [tagged["event"]["id"]]

    dry = gql.mutate(
        "deleteEvent", {"eventId": cohort_event, "cascade": True, "dryRun": True}, DELETED
    )
    assert dry["tombstonedEventIds"] == [cohort_event, tagged["event"]["id"]]
    assert dry["event"]["deleted"] is False

    done = gql.mutate(
        "deleteEvent", {"eventId": cohort_event, "cascade": True, "reason": "wrong farm"}, DELETED
    )
    assert done["tombstonedEventIds"] == dry["tombstonedEventIds"]
    roster = gql.data(
        "query($id: ID!) { location(id: $id) { roster { totalCount } } }", {"id": strip_1}
    )
    assert roster["location"]["roster"]["totalCount"] == 0
    assert mask({"refused": refused, "dryRun": dry, "done": done}) == snapshot


def test_deleting_an_unknown_event_is_not_found(gql):
    result = gql.mutate("deleteEvent", {"eventId": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert result["__typename"] == "NotFound"


LOG_CHANGES = """
  query($afterSeq: Long!, $first: Int) {
    logChanges(afterSeq: $afterSeq, first: $first) {
      lastSeq hasMore
      changes { logSeq kind event { id version payload deleted } }
    }
  }
"""


def test_log_changes_lists_an_append_an_edit_and_a_delete_with_the_event_each_left(gql):
    gql.cohort("Strip 1", 2)
    start = gql.data(LOG_CHANGES, {"afterSeq": 0, "first": 500})["logChanges"]["lastSeq"]
    event_id = _eggs(gql, "8")
    gql.mutate("editEvent", {"eventId": event_id, "payload": {"quantity": "6"}})
    gql.mutate("deleteEvent", {"eventId": event_id, "reason": "counted twice"})

    page = gql.data(LOG_CHANGES, {"afterSeq": start})["logChanges"]
    changes = [
        (c["logSeq"] - start, c["kind"], c["event"]["version"], c["event"]["payload"]["quantity"])
        for c in page["changes"]
    ]
    assert changes == [(1, "APPENDED", 1, "8"), (2, "EDITED", 2, "6"), (3, "DELETED", 2, "6")]
    assert {c["event"]["id"] for c in page["changes"]} == {event_id}
    assert (page["lastSeq"], page["hasMore"]) == (start + 3, False)
    # Paged: one at a time, each page reading on from the last.
    one = gql.data(LOG_CHANGES, {"afterSeq": start, "first": 1})["logChanges"]
    assert (one["lastSeq"], one["hasMore"]) == (start + 1, True)


def test_log_changes_refuses_a_negative_sequence_number_and_a_page_above_the_cap(gql):
    for variables, field in (
        ({"afterSeq": -1}, "afterSeq"),
        ({"afterSeq": 0, "first": 501}, "first"),
    ):
        [error] = gql.execute(LOG_CHANGES, variables)["errors"]
        assert error["extensions"] == {"code": "VALIDATION", "field": field}, error
    assert "ask again from `lastSeq`" in error["message"]
