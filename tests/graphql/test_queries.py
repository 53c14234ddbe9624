"""The queries of SPEC §13: reference lists, locations, animals, events, statistics, and the
rules for lookups (unknown or malformed id → null) and bad arguments (`extensions.code`)."""

from __future__ import annotations

import pytest
from graphql_driver import DAY, HOUR, NOW, RECORDER, VIEWER, iso, mask

from animaltrack.timefmt import from_iso


def test_me_is_the_authenticated_user(gql):
    assert gql.as_user(VIEWER).data("{ me { username role } }") == {
        "me": {"username": "guest", "role": "VIEWER"}
    }


def test_reference_lists(gql, snapshot):
    data = gql.data(
        """{
          species { code name active }
          products { code unit kind speciesCode species { name } collectable sellable }
          feedTypes { code name defaultBagSizeKg proteinPct }
          locations { name active createdAt archivedAt }
        }"""
    )
    assert [s["code"] for s in data["species"]] == ["duck", "goose", "sheep"]
    assert len(data["locations"]) == 8
    assert data == snapshot


def test_a_location_with_its_roster_at_an_instant_and_its_event_log(gql, snapshot):
    strip_1 = gql.location_id("Strip 1")
    flock = gql.cohort("Strip 1", 3)
    gql.mutate(
        "moveAnimals",
        {
            "filter": f"id:{flock[0]}",
            "resolvedIds": [flock[0]],
            "rosterHash": gql.selection(f"id:{flock[0]}", fromLocationId=strip_1)["rosterHash"],
            "fromLocationId": strip_1,
            "toLocationId": gql.location_id("Strip 2"),
            "tsUtc": iso(gql.now - HOUR),
        },
    )
    query = """
      query($id: ID!, $before: DateTime!) {
        location(id: $id) {
          name activeAt(at: $before)
          before: roster(at: $before) { totalCount }
          now: roster { totalCount nodes { id location { name } } }
          eventLog { totalCount nodes { type } }
        }
      }
    """
    data = gql.data(query, {"id": strip_1.lower(), "before": iso(gql.now - 2 * HOUR)})["location"]
    assert data["before"]["totalCount"] == 3
    assert data["now"]["totalCount"] == 2
    assert [e["type"] for e in data["eventLog"]["nodes"]] == [
        "ANIMAL_MOVED",
        "ANIMAL_COHORT_CREATED",
        "LOCATION_CREATED",
    ]
    assert mask(data) == snapshot


def test_unknown_or_malformed_ids_are_null(gql):
    data = gql.data(
        """{
          location(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
          badLocation: location(id: "strip-1") { id }
          animal(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
          badAnimal: animal(id: "nope") { id }
          event(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
          badEvent: event(id: "") { id }
          eggStats(locationId: "nope") { eggsTotalPcs }
        }"""
    )
    assert set(data.values()) == {None}


def test_animals_at_an_instant_show_their_state_then(gql):
    ducklings = gql.cohort("Nursery 1", 2, sex="UNKNOWN", stage="JUVENILE", ts=gql.now - 3 * DAY)
    seen = gql.selection("species:duck")
    gql.mutate(
        "updateAttributes",
        {
            "filter": "species:duck",
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
            "lifeStage": "ADULT",
            "sex": "FEMALE",
            "tsUtc": iso(gql.now - DAY),
        },
    )
    query = """
      query($at: DateTime) {
        animals(filter: "species:duck", at: $at) { at nodes { lifeStage sex at } }
      }
    """
    then = gql.data(query, {"at": iso(gql.now - 2 * DAY)})["animals"]
    asked = gql.now
    now = gql.data(query)["animals"]
    assert {(n["lifeStage"], n["sex"]) for n in then["nodes"]} == {("JUVENILE", "UNKNOWN")}
    assert {(n["lifeStage"], n["sex"]) for n in now["nodes"]} == {("ADULT", "FEMALE")}
    assert asked <= from_iso(now["at"]) <= gql.now  # the server's now when it answered
    latest = gql.data("query($id: ID!) { animal(id: $id) { lifeStage at } }", {"id": ducklings[0]})[
        "animal"
    ]
    assert latest == {"lifeStage": "ADULT", "at": None}


def test_an_animal_with_its_location_at_an_instant_tags_timeline_and_aliases(gql, snapshot):
    flock = gql.cohort("Strip 1", 2, ts=gql.now - 2 * DAY)
    survivor, merged = flock
    gql.mutate(
        "addTag",
        {
            "filter": f"id:{survivor}",
            "resolvedIds": [survivor],
            "rosterHash": gql.selection(f"id:{survivor}")["rosterHash"],
            "tag": "Ringed",
            "tsUtc": iso(gql.now - DAY),
        },
    )
    gql.mutate("mergeAnimals", {"survivorId": survivor, "mergedIds": [merged]})
    query = """
      query($id: ID!, $merged: ID!, $before: DateTime!) {
        animal(id: $id) {
          id status tags species { name } location { name }
          locationAt(at: $before) { name }
          aliases { aliasId mergedAt eventId }
          timeline { totalCount nodes { type } }
        }
        merged: animal(id: $merged) { status mergedIntoId location { name } }
        beforeMerge: animal(id: $merged, at: $before) { status }
      }
    """
    data = gql.data(query, {"id": survivor, "merged": merged, "before": iso(gql.now - DAY)})
    assert data["animal"]["locationAt"]["name"] == "Strip 1"
    assert data["animal"]["tags"] == ["ringed"]
    assert [n["type"] for n in data["animal"]["timeline"]["nodes"]] == [
        "ANIMAL_MERGED",
        "ANIMAL_TAGGED",
        "ANIMAL_COHORT_CREATED",
    ]
    assert data["merged"] == {
        "status": "MERGED_INTO",
        "mergedIntoId": survivor,
        "location": {"name": "Strip 1"},
    }
    assert data["beforeMerge"] == {"status": "ALIVE"}
    assert mask(data) == snapshot


def test_an_animals_timeline_filtered_by_type_leaves_the_egg_collections_out(gql):
    """A laying duck's timeline is mostly egg collections; `types` keeps the rest, counted and
    paged as the whole timeline is."""
    [duck] = gql.cohort("Strip 1", 1, ts=gql.now - 2 * DAY)
    for hours in (30, 20, 10):
        collected = gql.mutate(
            "collectProduct",
            {
                "locationId": gql.location_id("Strip 1"),
                "productCode": "egg.duck",
                "quantity": 1,
                "tsUtc": iso(gql.now - hours * HOUR),
            },
        )
        assert collected["__typename"] == "ProductCollected", collected
    tagged = gql.mutate(
        "addTag",
        {**gql.selection_input(f"id:{duck}"), "tag": "layer", "tsUtc": iso(gql.now - 15 * HOUR)},
    )
    assert tagged["__typename"] == "TagAdded", tagged
    query = """
      query($id: ID!, $types: [EventType!], $first: Int, $after: String) {
        animal(id: $id) {
          timeline(types: $types, first: $first, after: $after) {
            totalCount nodes { type } pageInfo { hasNextPage endCursor }
          }
        }
      }
    """

    def timeline(**variables):
        return gql.data(query, {"id": duck, **variables})["animal"]["timeline"]

    assert timeline()["totalCount"] == 5
    not_eggs = timeline(types=["ANIMAL_COHORT_CREATED", "ANIMAL_TAGGED"])
    assert not_eggs["totalCount"] == 2
    assert [n["type"] for n in not_eggs["nodes"]] == ["ANIMAL_TAGGED", "ANIMAL_COHORT_CREATED"]
    first = timeline(types=["PRODUCT_COLLECTED"], first=2)
    rest = timeline(types=["PRODUCT_COLLECTED"], after=first["pageInfo"]["endCursor"])
    assert (first["totalCount"], len(first["nodes"]), len(rest["nodes"])) == (3, 2, 1)
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert timeline(types=[])["totalCount"] == 0


def test_facets_count_all_matching_animals_at_the_instant(gql, snapshot):
    gql.cohort("Strip 1", 3)
    gql.cohort("Strip 1", 2, sex="MALE")
    gql.cohort("Nursery 1", 4, sex="UNKNOWN", stage="JUVENILE")
    data = gql.data(
        """{
          animals(filter: "species:duck", first: 1) {
            totalCount
            facets {
              location { location { name } count }
              species { speciesCode count }
              sex { sex count }
              lifeStage { lifeStage count }
            }
          }
        }"""
    )["animals"]
    assert data["totalCount"] == 9
    assert data == snapshot


def test_events_filtered_by_type_time_location_and_animal(gql):
    strip_1 = gql.location_id("Strip 1")
    now = gql.now  # one instant: `since` below must fall exactly on the second cohort
    flock = gql.cohort("Strip 1", 2, ts=now - 3 * DAY)
    gql.cohort("Nursery 1", 1, ts=now - 2 * DAY)
    gql.mutate(
        "purchaseFeed",
        {
            "feedTypeCode": "layer",
            "bagsCount": 1,
            "bagPriceCents": 2000,
            "tsUtc": iso(now - DAY),
        },
    )
    gql.mutate("giveFeed", {"locationId": strip_1, "feedTypeCode": "layer", "amountKg": 2})

    def types(**args):
        query = """
          query($types: [EventType!], $since: DateTime, $until: DateTime, $locationId: ID,
                $animalId: ID) {
            events(types: $types, since: $since, until: $until, locationId: $locationId,
                   animalId: $animalId) { totalCount nodes { type } }
          }
        """
        events = gql.data(query, args)["events"]
        assert events["totalCount"] == len(events["nodes"])
        return [n["type"] for n in events["nodes"]]

    assert types(types=["FEED_GIVEN", "FEED_PURCHASED"]) == ["FEED_GIVEN", "FEED_PURCHASED"]
    assert types(since=iso(now - 2 * DAY), until=iso(now - DAY)) == [
        "FEED_PURCHASED",
        "ANIMAL_COHORT_CREATED",
    ]
    assert types(locationId=strip_1) == ["FEED_GIVEN", "ANIMAL_COHORT_CREATED", "LOCATION_CREATED"]
    assert types(animalId=flock[1]) == ["ANIMAL_COHORT_CREATED"]


def test_feed_inventory(gql, snapshot):
    gql.mutate(
        "purchaseFeed",
        {
            "feedTypeCode": "layer",
            "bagsCount": 2,
            "bagPriceCents": 2400,
            "tsUtc": iso(gql.now - DAY),
        },
    )
    gql.mutate(
        "giveFeed",
        {"locationId": gql.location_id("Strip 1"), "feedTypeCode": "layer", "amountKg": 6},
    )
    data = gql.data(
        """{ feedInventory { feedTypeCode name purchasedKg givenKg balanceKg
                             lastPurchasePricePerKgCents feedType { defaultBagSizeKg } } }"""
    )
    layer = next(f for f in data["feedInventory"] if f["feedTypeCode"] == "layer")
    assert (layer["purchasedKg"], layer["givenKg"], layer["balanceKg"]) == (40, 6, 34)
    assert layer["lastPurchasePricePerKgCents"] == 120
    assert data == snapshot


def test_egg_stats_of_the_worked_example(gql, snapshot):
    """SPEC §10.1 (scenario 21.1): 10 adult females and 3 adult males at Strip 1 since a day
    before T; a 20 kg layer bag for 2400 cents; 6 kg given and 12 eggs within the window.

    T is a fixed instant (`NOW`, in the past of both transports' clocks) and every time is
    given, so the days of the window are the same on both."""
    strip_1 = gql.location_id("Strip 1")
    start = NOW - DAY
    gql.cohort("Strip 1", 10, ts=start)
    gql.cohort("Strip 1", 3, sex="MALE", ts=start)
    gql.mutate(
        "purchaseFeed",
        {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400, "tsUtc": iso(start)},
    )
    gql.mutate(
        "giveFeed",
        {"locationId": strip_1, "feedTypeCode": "layer", "amountKg": 6, "tsUtc": iso(start + 1)},
    )
    gql.mutate(
        "collectProduct",
        {
            "locationId": strip_1,
            "productCode": "egg.duck",
            "quantity": "12",
            "tsUtc": iso(start + HOUR),
        },
    )
    query = """
      query($id: ID!, $at: DateTime!) {
        eggStats(locationId: $id, at: $at) {
          location { name } windowStart windowEnd eggsTotalPcs feedTotalG feedLayersG
          feedCostCents costPerEggAllEur costPerEggLayersEur birdDays layerEligibleBirdDays
          layerEligibleCountNow eggsPerLayerPerDay
        }
        location(id: $id) {
          eggStats(at: $at, windowDays: 2) { eggsTotalPcs dailyEggs { day eggs } }
        }
      }
    """
    data = gql.data(query, {"id": strip_1, "at": iso(NOW)})
    stats = data["eggStats"]
    assert stats["eggsTotalPcs"] == 12
    assert stats["feedTotalG"] == 6000
    assert stats["layerEligibleBirdDays"] == "10.00"
    assert stats["feedLayersG"] == 4615  # floor(6000 × 10/13)
    assert stats["costPerEggAllEur"] == "0.600"  # 720 / 100 / 12
    assert stats["costPerEggLayersEur"] == "0.462"  # 7.20 × 4615/6000 / 12
    assert sum(d["eggs"] for d in data["location"]["eggStats"]["dailyEggs"]) == 12
    assert data == snapshot


def test_flock_and_daily_series(gql, snapshot):
    """The worked example of SPEC §10.1 seen on the dashboard (SPEC §10.3): at Strip 1 and
    farm-wide (the same here: nothing lives elsewhere), and day by day. One death at Strip 1
    half a day before T makes the mortality 1 of 13."""
    strip_1 = gql.location_id("Strip 1")
    start = NOW - DAY
    females = gql.cohort("Strip 1", 10, ts=start)
    gql.cohort("Strip 1", 3, sex="MALE", ts=start)
    gql.mutate(
        "purchaseFeed",
        {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400, "tsUtc": iso(start)},
    )
    gql.mutate(
        "giveFeed",
        {"locationId": strip_1, "feedTypeCode": "layer", "amountKg": 6, "tsUtc": iso(start + 1)},
    )
    gql.mutate(
        "collectProduct",
        {"locationId": strip_1, "productCode": "egg.duck", "quantity": "12", "tsUtc": iso(start)},
    )
    lost = f"id:{females[0]}"
    gql.mutate(
        "recordOutcome",
        {
            "filter": lost,
            "resolvedIds": [females[0]],
            "rosterHash": gql.selection(lost, at=iso(NOW - DAY // 2))["rosterHash"],
            "outcome": "PREDATOR",
            "tsUtc": iso(NOW - DAY // 2),
        },
    )
    figures = """
      locationId windowStart windowEnd eggs birdDays layerEligibleBirdDays layingRatePct
      eggsPerLayerPerDay feedGivenG feedPerDozenEggsKg feedCostCents costPerEggAllEur
      costPerEggLayersEur deaths animalsPresent mortalityPct
      feedStock { feedTypeCode balanceKg givenInWindowKg averageDailyGivenKg daysLeft }
    """
    query = f"""
      query($id: ID!, $at: DateTime!) {{
        strip: flock(locationId: $id, at: $at, windowDays: 2) {{ {figures} }}
        farm: flock(at: $at, windowDays: 2) {{ {figures} }}
        dailySeries(locationId: $id, from: "2026-05-31", to: "2026-06-01") {{
          locationId timeZone days eggs feedGivenG feedCostCents birdDays
          layerEligibleBirdDays layingRatePct
        }}
      }}
    """
    data = gql.data(query, {"id": strip_1, "at": iso(NOW)})
    # Layer time: 9 females × 1 d + the lost one × 0.5 d = 9.50 layer-days, so
    # 12 ÷ 9.50 × 100 = 126.3 %; 6 kg × 12 ÷ 12 eggs = 6.000 kg per dozen; 1 lost of 13 = 7.7 %;
    # 20 - 6 = 14 kg left at 3 kg a day (6 kg over the 2-day window) = 4.666… → 4.7 days.
    strip = data["strip"]
    assert (strip["layingRatePct"], strip["feedPerDozenEggsKg"]) == ("126.3", "6.000")
    assert (strip["mortalityPct"], strip["feedStock"][0]["daysLeft"]) == ("7.7", "4.7")
    assert {k: v for k, v in data["farm"].items() if k != "locationId"} == {
        k: v for k, v in strip.items() if k != "locationId"
    }
    assert data["farm"]["locationId"] is None
    assert data == snapshot


# -- bad arguments are GraphQL errors with extensions.code ----------------------------------------


@pytest.mark.parametrize(
    ("query", "extensions"),
    [
        (
            '{ animals(filter: "sex:purple") { totalCount } }',
            {"code": "FILTER_SYNTAX", "position": 4},
        ),
        (
            '{ selection(filter: "location:\\"Strip 1") { count } }',
            {"code": "FILTER_SYNTAX", "position": 9},
        ),
        (
            '{ animals(filter: "location:Attic") { totalCount } }',
            {"code": "VALIDATION", "field": "filter"},
        ),
        (
            '{ eggStats(locationId: "0000000000SEED000000000001", windowDays: -1) { feedTotalG } }',
            {"code": "VALIDATION", "field": "windowDays"},
        ),
        (
            '{ location(id: "0000000000SEED000000000001")'
            " { eggStats(windowDays: 0) { feedTotalG } } }",
            {"code": "VALIDATION", "field": "windowDays"},
        ),
        (
            '{ events(animalId: "duck-7") { totalCount } }',
            {"code": "VALIDATION", "field": "animalId"},
        ),
        ('{ events(after: "bm9wZQ==") { totalCount } }', {"code": "VALIDATION", "field": "after"}),
        ("{ animals(first: -1) { totalCount } }", {"code": "VALIDATION", "field": "first"}),
        ('{ flock(locationId: "00000000000000000000000000") { eggs } }', {"code": "NOT_FOUND"}),
        (
            '{ dailySeries(locationId: "00000000000000000000000000", from: "2026-01-01",'
            ' to: "2026-01-02") { eggs } }',
            {"code": "NOT_FOUND"},
        ),
        (
            '{ flock(locationId: "strip-1") { eggs } }',
            {"code": "VALIDATION", "field": "locationId"},
        ),
        ("{ flock(windowDays: 0) { eggs } }", {"code": "VALIDATION", "field": "windowDays"}),
        (
            '{ dailySeries(from: "2016-01-01", to: "2026-06-01") { eggs } }',
            {"code": "VALIDATION", "field": "to"},
        ),
        (
            '{ dailySeries(from: "2026-06-02", to: "2026-06-01") { eggs } }',
            {"code": "VALIDATION", "field": "to"},
        ),
    ],
)
def test_a_bad_query_argument_is_an_error_with_a_code(gql, query, extensions):
    response = gql.execute(query)
    [error] = response["errors"]
    assert error["extensions"] == extensions
    assert error["message"]


def test_a_datetime_without_an_offset_is_refused(gql):
    response = gql.execute(
        "query($at: DateTime) { animals(at: $at) { totalCount } }", {"at": "2026-05-01T10:00:00"}
    )
    [error] = response["errors"]
    assert "offset" in error["message"]


def test_datetimes_are_written_in_utc_with_milliseconds(gql):
    at = gql.data(
        'query($at: DateTime) { selection(filter: "", at: $at) { at } }',
        {"at": "2026-05-01T10:00:00.5+01:00"},
    )["selection"]["at"]
    assert at == "2026-05-01T09:00:00.500Z"


def test_a_recorder_sees_the_same_data(gql):
    assert gql.as_user(RECORDER).data("{ locations { id } }") == gql.data("{ locations { id } }")
