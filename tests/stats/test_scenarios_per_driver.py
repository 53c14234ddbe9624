"""Acceptance scenarios 21.1 to 21.7 (SPEC §16) through each driver: the domain services, and
GraphQL over HTTP against the app served by uvicorn (a fresh database and server per test,
tokens of the recorder ines and the admin ppetru).

Both drivers take the same steps (`stats_driver`'s scenario builders) and must give the same
figures, worked out by hand in the comments (the service-only tests beside this file check the
internals: bird-time milliseconds, ledger rows, yield totals). Figures are compared as text, so
`"0.600"` from the API's `Decimal` string and the service's `Decimal("0.600")` must agree digit for
digit. The scenario times lie in June 2026; the server's clock is the real one, so they must be
in its past.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import fields
from decimal import Decimal

import pytest
from graphql_scenario_driver import ApiEggStats, GraphQLScenarioDriver
from stats_driver import (
    DAY,
    HOUR,
    NOW,
    P,
    Refused,
    S,
    ScenarioDriver,
    ServiceDriver,
    T,
    baseline_21_1,
    figures,
    scenario_21_2,
    scenario_21_3,
    scenario_21_4,
)

from tests.graphql.graphql_driver import HttpGraphQLDriver
from tests.live_server import LiveServer

AT = S + DAY  # T + 3 days: where 21.3 to 21.6 read their figures


@contextlib.contextmanager
def graphql_over_http(server: LiveServer) -> Iterator[GraphQLScenarioDriver]:
    """The fresh database `server` serves, driven by ines (recorder) and ppetru (admin)."""
    assert time.time() * 1000 > NOW, "the scenario times must lie in the server's past"
    with (
        HttpGraphQLDriver(server, "ines") as recorder,
        HttpGraphQLDriver(server, "ppetru") as admin,
    ):
        yield GraphQLScenarioDriver(recorder, admin, server.db_path)


@pytest.fixture(params=["service", "graphql-http"])
def driver(request) -> Iterator[ScenarioDriver]:
    if request.param == "service":
        yield ServiceDriver(request.getfixturevalue("seeded_db"))
    else:
        with graphql_over_http(request.getfixturevalue("fresh_server")) as http_driver:
            yield http_driver


def text(values: dict) -> dict:
    """Decimals as the text the API writes (`Decimal("0.600")` → `"0.600"`)."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def test_21_1_baseline_eggs_feed_and_cost(driver):
    baseline_21_1(driver)
    stats = driver.egg_stats("Strip 1", ts=T)

    # 12 eggs; 6 kg = 6000 g at 120 cents/kg = 720 cents. Bird time 13 ducks × 1 d = 13.00,
    # layers the 10 adult females = 10.00; feed_layers_g = floor(6000 × 10/13) = 4615.
    # All birds: 7.20 € / 12 = 0.600 €; layers: 7.20 × 4615/6000 / 12 = 0.46150 → 0.462 €.
    assert text(figures(stats)) == {
        "eggs_total_pcs": 12,
        "feed_total_g": 6000,
        "feed_layers_g": 4615,
        "feed_cost_cents": 720,
        "cost_per_egg_all_eur": "0.600",
        "cost_per_egg_layers_eur": "0.462",
        "bird_days": "13.00",
        "layer_eligible_bird_days": "10.00",
        "layer_eligible_count_now": 10,
    }
    assert (stats.window_start_utc, stats.window_end_utc) == (T - 30 * DAY, T)
    assert stats.location_id == driver.location("Strip 1")
    # 12 / 10.00 = 1.200 eggs per layer-day; 6000 g / 13.00 = 461.54 g and 7.20 € / 13.00
    # = 0.554 € per bird-day.
    derived = (
        stats.eggs_per_layer_per_day,
        stats.feed_per_bird_per_day_g,
        stats.feed_cost_per_bird_per_day_eur,
    )
    assert [str(v) for v in derived] == ["1.200", "461.54", "0.554"]
    # All 12 eggs fall on one local day of the window.
    assert sum(eggs for _, eggs in driver.daily_eggs("Strip 1", ts=T)) == 12
    # Strip 2 saw nothing: zeros, and no cost per egg without eggs.
    empty = driver.egg_stats("Strip 2", ts=T)
    assert text(figures(empty)) == {
        "eggs_total_pcs": 0,
        "feed_total_g": 0,
        "feed_layers_g": 0,
        "feed_cost_cents": 0,
        "cost_per_egg_all_eur": None,
        "cost_per_egg_layers_eur": None,
        "bird_days": "0.00",
        "layer_eligible_bird_days": "0.00",
        "layer_eligible_count_now": 0,
    }
    assert empty.eggs_per_layer_per_day is None and empty.feed_per_bird_per_day_g is None


def test_21_2_mixed_group_proration(driver):
    ids = scenario_21_2(driver)

    # At P: bird time 10 F × 2 d + 3 M × 2 d + 4 juveniles × 1 d = 30.00; layers 10 F × 2 d
    # = 20.00; feed 12000 g, 1440 cents; eggs 24; feed_layers_g = 12000 × 20/30 = 8000.
    # All birds 14.40 / 24 = 0.600 € (the juveniles eat, the cost stays); layers
    # 14.40 × 8000/12000 / 24 = 0.400 € (fell from 0.462: the juveniles are not layers).
    assert text(figures(driver.egg_stats("Strip 1", ts=P))) == {
        "eggs_total_pcs": 24,
        "feed_total_g": 12000,
        "feed_layers_g": 8000,
        "feed_cost_cents": 1440,
        "cost_per_egg_all_eur": "0.600",
        "cost_per_egg_layers_eur": "0.400",
        "bird_days": "30.00",
        "layer_eligible_bird_days": "20.00",
        "layer_eligible_count_now": 11,  # the new adult female counts from P on...
    }
    # ...and not one millisecond before.
    assert driver.egg_stats("Strip 1", ts=P - 1).layer_eligible_count_now == 10
    # At T + 2 d: bird time 10 × 3 + 3 × 3 + 4 × 2 = 47.00; layers 10 × 3 + 1 × 1 = 31.00;
    # feed_layers_g = floor(12000 × 31/47) = 7914; layers 1440 × 7914 / (100 × 12000 × 24)
    # = 0.39570 → 0.396 €.
    assert text(figures(driver.egg_stats("Strip 1", ts=T + 2 * DAY))) == {
        "eggs_total_pcs": 24,
        "feed_total_g": 12000,
        "feed_layers_g": 7914,
        "feed_cost_cents": 1440,
        "cost_per_egg_all_eur": "0.600",
        "cost_per_egg_layers_eur": "0.396",
        "bird_days": "47.00",
        "layer_eligible_bird_days": "31.00",
        "layer_eligible_count_now": 11,
    }
    # Nursery 1 held the four juveniles for one day: 4.00 bird-days, none of them layers.
    nursery = driver.egg_stats("Nursery 1", ts=T + 2 * DAY)
    assert (str(nursery.bird_days), str(nursery.layer_eligible_bird_days)) == ("4.00", "0.00")
    assert nursery.cost_per_egg_all_eur is None
    # The roster by sex: the promoted juvenile is female from P.
    assert driver.sex_counts("Strip 1", at=P) == {"female": 11, "male": 3, "unknown": 3}
    assert driver.sex_counts("Strip 1", at=P - 1) == {"female": 10, "male": 3, "unknown": 4}
    assert set(ids["juveniles"]) <= set(driver.live_ids("Strip 1"))


def test_21_3_split_flock(driver):
    ids = scenario_21_3(driver)

    # Strip 1 at T + 3 d: 6 F stayed × 4 d + 4 F left × 3 d + 3 M × 4 d + 4 J × 3 d = 60.00;
    # layers 24 + 12 + the promoted one × 2 d = 38.00; feed 18000 g, 2160 cents; eggs 34;
    # feed_layers_g = 18000 × 38/60 = 11400; all 21.60 / 34 = 0.635 €; layers
    # 2160 × 11400 / (100 × 18000 × 34) = 0.40235 → 0.402 €.
    assert text(figures(driver.egg_stats("Strip 1", ts=AT))) == {
        "eggs_total_pcs": 34,
        "feed_total_g": 18000,
        "feed_layers_g": 11400,
        "feed_cost_cents": 2160,
        "cost_per_egg_all_eur": "0.635",
        "cost_per_egg_layers_eur": "0.402",
        "bird_days": "60.00",
        "layer_eligible_bird_days": "38.00",
        "layer_eligible_count_now": 7,  # 6 F that stayed + the promoted one
    }
    # Strip 2: 4 F × 1 d = 4.00, all layers; 2000 g, 240 cents; 4 eggs: 2.40 / 4 = 0.600 €.
    assert text(figures(driver.egg_stats("Strip 2", ts=AT))) == {
        "eggs_total_pcs": 4,
        "feed_total_g": 2000,
        "feed_layers_g": 2000,
        "feed_cost_cents": 240,
        "cost_per_egg_all_eur": "0.600",
        "cost_per_egg_layers_eur": "0.600",
        "bird_days": "4.00",
        "layer_eligible_bird_days": "4.00",
        "layer_eligible_count_now": 4,
    }
    # Just before the eggs at S + 12 h the count already reads 7 at Strip 1.
    assert driver.egg_stats("Strip 1", ts=S + 12 * HOUR - 1).layer_eligible_count_now == 7
    assert driver.live_ids("Strip 2") == sorted(ids["moved"])
    assert driver.live_ids("Strip 2", at=S - 1) == []


def test_21_4_backdated_eggs_count_in_their_window(driver):
    ids, event = scenario_21_4(driver)

    # The producers are resolved as they were at S - 2 h: every duck then at Strip 1.
    everyone = sorted(ids["females"] + ids["males"] + ids["juveniles"])
    assert sorted(driver.event_animal_ids(event.id)) == everyone
    assert driver.live_ids("Strip 1", at=S - 2 * HOUR) == everyone
    # Strip 1 at T + 3 d: eggs 34 + 5 = 39; all 21.60 / 39 = 0.554 €; layers
    # 2160 × 11400 / (100 × 18000 × 39) = 0.35077 → 0.351 €; bird time as in 21.3.
    stats = driver.egg_stats("Strip 1", ts=AT)
    assert stats.eggs_total_pcs == 39
    assert (str(stats.cost_per_egg_all_eur), str(stats.cost_per_egg_layers_eur)) == (
        "0.554",
        "0.351",
    )
    assert str(stats.bird_days) == "60.00"
    assert driver.egg_stats("Strip 2", ts=AT).eggs_total_pcs == 4
    # A window ending at the split holds 12 + 12 + 5 = 29; one ending at the eggs' time does
    # not hold them (24), one ending a millisecond later does (29).
    assert driver.egg_stats("Strip 1", ts=S).eggs_total_pcs == 29
    assert driver.egg_stats("Strip 1", ts=S - 2 * HOUR).eggs_total_pcs == 24
    assert driver.egg_stats("Strip 1", ts=S - 2 * HOUR + 1).eggs_total_pcs == 29


def test_21_5_edit_an_egg_event(driver, tmp_path):
    scenario_21_4(driver)
    collection = driver.collect_eggs("Strip 2", 8, ts=S + 18 * HOUR)
    # Strip 2 at T + 3 d: 4 + 8 = 12 eggs; 2.40 € of feed, all layers': 0.200 € each.
    before = driver.egg_stats("Strip 2", ts=AT)
    assert before.eggs_total_pcs == 12
    assert str(before.cost_per_egg_all_eur) == str(before.cost_per_egg_layers_eur) == "0.200"

    edited = driver.edit(collection.id, payload={"quantity": 6}, expected_version=1)

    # A revision holds version 1 (8 eggs); the event is at version 2 (6 eggs).
    assert edited.version == 2 and driver.event(collection.id).version == 2
    [revision] = driver.revisions(collection.id)
    assert revision["version"] == 1 and Decimal(str(revision["payload"]["quantity"])) == 8
    assert Decimal(str(driver.event(collection.id).payload["quantity"])) == 6
    # The statistics show 6: 4 + 6 = 10 eggs; 2.40 / 10 = 0.240 € for both.
    after = driver.egg_stats("Strip 2", ts=AT)
    assert after.eggs_total_pcs == 10
    assert str(after.cost_per_egg_all_eur) == str(after.cost_per_egg_layers_eur) == "0.240"
    assert (after.feed_total_g, after.bird_days) == (before.feed_total_g, before.bird_days)
    assert sum(eggs for _, eggs in driver.daily_eggs("Strip 2", ts=AT)) == 10
    driver.assert_live_equals_replay(tmp_path)

    # An edit from the stale version 1 is refused, and changes nothing.
    with pytest.raises(Refused) as stale:
        driver.edit(collection.id, payload={"quantity": 7}, expected_version=1)
    assert (stale.value.kind, stale.value.details["current_version"]) == ("VersionConflict", 2)
    assert driver.egg_stats("Strip 2", ts=AT).eggs_total_pcs == 10
    assert len(driver.revisions(collection.id)) == 1


def test_21_5_editing_the_time_moves_the_eggs_between_windows(driver, tmp_path):
    scenario_21_4(driver)
    collection = driver.collect_eggs("Strip 2", 8, ts=S + 18 * HOUR)
    # Moved 2 days later, the 8 eggs leave the window ending at T + 3 d (4 left)...
    edited = driver.edit(collection.id, ts=S + 2 * DAY)
    assert (edited.version, edited.ts_utc) == (2, S + 2 * DAY)
    assert driver.egg_stats("Strip 2", ts=AT).eggs_total_pcs == 4
    # ...and land in the one ending at T + 5 d: 4 + 8 = 12.
    assert driver.egg_stats("Strip 2", ts=S + 3 * DAY).eggs_total_pcs == 12
    # The producers are resolved again at the new time: the 4 layers at Strip 2.
    producers = driver.event_animal_ids(collection.id)
    assert sorted(producers) == driver.live_ids("Strip 2")
    driver.assert_live_equals_replay(tmp_path)


def test_21_6_deletes(driver, tmp_path):
    ids, _ = scenario_21_4(driver)

    # 1. A recorder deletes their own FeedGiven (the 2 kg at Strip 2): of the 20 kg bought,
    #    6 + 6 + 6 + 2 = 20 were given; without the 2, 18 given and 2 left.
    (given,) = ids["strip2_feed"]
    assert driver.feed_stock("layer").balance_kg == 0
    assert driver.delete(given) == [given]
    stock = driver.feed_stock("layer")
    assert (stock.purchased_kg, stock.given_kg, stock.balance_kg) == (20, 18, 2)
    # Strip 2 at T + 3 d: no feed: 0 g, 0 cents; 0 / 4 eggs = 0.000 €, no layer figure
    # without feed; the birds are still there (4.00 bird-days).
    strip2 = driver.egg_stats("Strip 2", ts=AT)
    assert (strip2.feed_total_g, strip2.feed_layers_g, strip2.feed_cost_cents) == (0, 0, 0)
    assert (str(strip2.cost_per_egg_all_eur), strip2.cost_per_egg_layers_eur) == ("0.000", None)
    assert str(strip2.bird_days) == "4.00"
    assert driver.is_deleted(given)
    driver.assert_live_equals_replay(tmp_path)

    # 2. A recorder's delete of the juveniles' cohort, which their move to Strip 1 (at T) and
    #    their change to adult female (at P) depend on, is refused; so is a recorder's cascade.
    cohort, move, promotion = ids["juvenile_events"]
    with pytest.raises(Refused) as refused:
        driver.delete(cohort)
    assert refused.value.kind == "DependentEvents"
    assert refused.value.details["dependent_event_ids"] == [move, promotion]
    with pytest.raises(Refused) as forbidden:
        driver.delete(cohort, cascade=True)
    assert forbidden.value.kind == "Forbidden"
    assert not driver.is_deleted(cohort)
    assert set(ids["juveniles"]) <= set(driver.live_ids("Strip 1"))

    # 3. An admin's dry run lists what would go and writes nothing; the cascade tombstones
    #    the cohort and its dependents, and the juveniles vanish from the rosters.
    assert driver.delete(cohort, cascade=True, dry_run=True, admin=True) == [
        cohort,
        move,
        promotion,
    ]
    assert not driver.is_deleted(cohort)
    assert driver.delete(cohort, cascade=True, admin=True) == [cohort, move, promotion]
    assert all(driver.is_deleted(e) for e in (cohort, move, promotion))
    assert not set(ids["juveniles"]) & set(driver.live_ids("Strip 1"))
    assert {driver.animal_status(a) for a in ids["juveniles"]} == {None}
    assert driver.sex_counts("Strip 1") == {"female": 6, "male": 3}  # 6 stayed, 3 males
    assert driver.sex_counts("Strip 1", at=T + DAY) == {"female": 10, "male": 3}
    # Strip 1 at T + 3 d without the juveniles: bird time 60 − 12 = 48.00, layers 38 − 2 =
    # 36.00; feed_layers_g = 18000 × 36/48 = 13500; eggs 39; all 21.60 / 39 = 0.554 €;
    # layers 2160 × 13500 / (100 × 18000 × 39) = 0.41538 → 0.415 €; 6 layers now.
    assert text(figures(driver.egg_stats("Strip 1", ts=AT))) == {
        "eggs_total_pcs": 39,
        "feed_total_g": 18000,
        "feed_layers_g": 13500,
        "feed_cost_cents": 2160,
        "cost_per_egg_all_eur": "0.554",
        "cost_per_egg_layers_eur": "0.415",
        "bird_days": "48.00",
        "layer_eligible_bird_days": "36.00",
        "layer_eligible_count_now": 6,
    }
    assert str(driver.egg_stats("Nursery 1", ts=AT).bird_days) == "0.00"
    driver.assert_live_equals_replay(tmp_path)


def test_21_7_harvest_with_yields(driver):
    ids = baseline_21_1(driver)
    harvested = ids["males"][:2]
    harvest_ts = T + 6 * HOUR
    event = driver.harvest(harvested, ts=harvest_ts, yields={"meat": "2.345", "feathers": "0.12"})

    # Status harvested; gone from the live roster now and at any later time, not before.
    assert {driver.animal_status(a) for a in harvested} == {"harvested"}
    assert driver.live_ids("Strip 1") == sorted(ids["females"] + ids["males"][2:])
    assert not set(harvested) & set(driver.live_ids("Strip 1", at=harvest_ts))
    assert set(harvested) <= set(driver.live_ids("Strip 1", at=harvest_ts - 1))
    assert driver.sex_counts("Strip 1") == {"female": 10, "male": 1}
    assert driver.sex_counts("Strip 1", at=T) == {"female": 10, "male": 3}
    # Bird time stops at the harvest: T - 1 d to T + 1 d: 10 F × 2 d + 1 M × 2 d + 2 M × 1.25 d
    # = 24.50, layers 20.00; feed_layers_g = floor(6000 × 20/24.5) = 4897; all 7.20 / 12 =
    # 0.600 €; layers 720 × 4897 / (100 × 6000 × 12) = 0.48970 → 0.490 €.
    assert text(figures(driver.egg_stats("Strip 1", ts=T + DAY))) == {
        "eggs_total_pcs": 12,
        "feed_total_g": 6000,
        "feed_layers_g": 4897,
        "feed_cost_cents": 720,
        "cost_per_egg_all_eur": "0.600",
        "cost_per_egg_layers_eur": "0.490",
        "bird_days": "24.50",
        "layer_eligible_bird_days": "20.00",
        "layer_eligible_count_now": 10,
    }
    # The yields, in kg, are recorded on the outcome (the totals per product are a read model
    # the API does not serve; `test_stats_scenarios.py` checks them through the service).
    recorded = driver.event(event.id)
    assert recorded.type == "AnimalOutcome"
    yields = {
        y["product_code"]: Decimal(str(y["quantity"])) for y in recorded.payload["yield_items"]
    }
    assert yields == {"meat": Decimal("2.345"), "feathers": Decimal("0.12")}


# -- the API answers the service's figures, wherever one looks ---------------------------------


def test_the_api_answers_the_services_egg_stats_digit_for_digit(seeded_db, fresh_server):
    """Scenario 21.4 built through both drivers; then every figure of `eggStats` (the derived
    ones and the daily series too) at three places, nine instants and three windows is the text
    of the service's `EggStats` (a `Decimal` string compared as a string)."""
    service = ServiceDriver(seeded_db)
    scenario_21_4(service)
    names = [f.name for f in fields(ApiEggStats) if f.name not in ("location_id", "daily_eggs")]
    instants = [T - DAY, T, P - 1, P, S - 2 * HOUR, S, S + 12 * HOUR, AT, AT + 10 * DAY]
    with graphql_over_http(fresh_server) as api:
        scenario_21_4(api)
        for place in ("Strip 1", "Strip 2", "Nursery 1"):
            for ts in instants:
                for window in (1, 7, 30):
                    ours = service.egg_stats(place, ts=ts, window_days=window)
                    theirs = api.egg_stats(place, ts=ts, window_days=window)
                    where = (place, ts, window)
                    expected = {n: str(getattr(ours, n)) for n in names}
                    assert {n: str(getattr(theirs, n)) for n in names} == expected, where
                    days = service.daily_eggs(place, ts=ts, window_days=window)
                    assert list(theirs.daily_eggs) == days, where
