"""Acceptance scenarios 21.1 to 21.4 and 21.7 (SPEC §16) through the service driver.

Expected figures are worked out by hand in the comments. A day is 86 400 000 ms; every window
is the default 30 days, which reaches back past all of each scenario's events. Layer feed is
120 cents/kg throughout (a 20 kg bag for 2400 cents).
"""

from __future__ import annotations

from decimal import Decimal

from stats_driver import (
    DAY,
    HOUR,
    P,
    S,
    T,
    baseline_21_1,
    figures,
    scenario_21_2,
    scenario_21_3,
    scenario_21_4,
)

from animaltrack.projections import intervals
from animaltrack.services.readmodels import harvest_yield_totals, roster_facets
from animaltrack.services.stats import bird_time, layer_eligible_count

D = Decimal


def test_21_1_baseline_eggs_feed_and_cost(driver):
    baseline_21_1(driver)
    stats = driver.egg_stats("Strip 1", ts=T)

    # 12 eggs; 6 kg given = 6000 g, priced 6 × 120 = 720 cents.
    # Bird time: 13 ducks × 1 day = 13.00 bird-days; layers: the 10 adult females = 10.00.
    # feed_layers_g = floor(6000 × 10/13) = floor(4615.38) = 4615.
    # cost per egg, all birds: 720 / 100 / 12 = 0.600 €.
    # cost per egg, layers: 7.20 × 4615/6000 / 12 = 0.46150 → 0.462 € (half up).
    assert figures(stats) == {
        "eggs_total_pcs": 12,
        "feed_total_g": 6000,
        "feed_layers_g": 4615,
        "feed_cost_cents": 720,
        "cost_per_egg_all_eur": D("0.600"),
        "cost_per_egg_layers_eur": D("0.462"),
        "bird_days": D("13.00"),
        "layer_eligible_bird_days": D("10.00"),
        "layer_eligible_count_now": 10,
    }
    assert (stats.window_start_utc, stats.window_end_utc) == (T - 30 * DAY, T)
    assert stats.location_id == driver.location("Strip 1")
    # Read models beside it: 12 eggs / 10.00 layer-days = 1.200; 6000 g / 13.00 bird-days
    # = 461.538… → 461.54 g; 7.20 € / 13.00 = 0.5538… → 0.554 €.
    assert stats.eggs_per_layer_per_day == D("1.200")
    assert stats.feed_per_bird_per_day_g == D("461.54")
    assert stats.feed_cost_per_bird_per_day_eur == D("0.554")
    # The other strips saw nothing.
    empty = driver.egg_stats("Strip 2", ts=T)
    assert figures(empty) == {
        "eggs_total_pcs": 0,
        "feed_total_g": 0,
        "feed_layers_g": 0,
        "feed_cost_cents": 0,
        "cost_per_egg_all_eur": None,
        "cost_per_egg_layers_eur": None,
        "bird_days": D("0.00"),
        "layer_eligible_bird_days": D("0.00"),
        "layer_eligible_count_now": 0,
    }
    assert empty.eggs_per_layer_per_day is None and empty.feed_per_bird_per_day_g is None


def test_21_2_mixed_group_proration(driver):
    ids = scenario_21_2(driver)

    # At P (the window ends at the promotion, which therefore adds no layer time yet):
    # bird time: 10 F × 2 d + 3 M × 2 d + 4 juveniles × 1 d (at Strip 1 since T) = 30.00;
    # layers: 10 F × 2 d = 20.00. Feed 6 + 6 kg = 12000 g, 1440 cents; eggs 12 + 12 = 24.
    # feed_layers_g = 12000 × 20/30 = 8000.
    # all birds: 14.40 / 24 = 0.600 € (unchanged from 21.1: the juveniles eat, the cost stays);
    # layers: 14.40 × 8000/12000 / 24 = 0.400 € (fell from 0.462: the juveniles are not layers).
    at_p = driver.egg_stats("Strip 1", ts=P)
    assert figures(at_p) == {
        "eggs_total_pcs": 24,
        "feed_total_g": 12000,
        "feed_layers_g": 8000,
        "feed_cost_cents": 1440,
        "cost_per_egg_all_eur": D("0.600"),
        "cost_per_egg_layers_eur": D("0.400"),
        "bird_days": D("30.00"),
        "layer_eligible_bird_days": D("20.00"),
        "layer_eligible_count_now": 11,  # the new adult female counts from P on...
    }
    # ...and not one millisecond before.
    assert driver.egg_stats("Strip 1", ts=P - 1).layer_eligible_count_now == 10

    # At T + 2 days: bird time 10 F × 3 d + 3 M × 3 d + 4 J × 2 d = 47.00;
    # layers 10 F × 3 d + the promoted one × 1 d (from P) = 31.00.
    # feed_layers_g = floor(12000 × 31/47) = floor(7914.89) = 7914.
    # layers: 1440 × 7914 / (100 × 12000 × 24) = 0.39570 → 0.396 €; all birds still 0.600 €.
    later = driver.egg_stats("Strip 1", ts=T + 2 * DAY)
    assert figures(later) == {
        "eggs_total_pcs": 24,
        "feed_total_g": 12000,
        "feed_layers_g": 7914,
        "feed_cost_cents": 1440,
        "cost_per_egg_all_eur": D("0.600"),
        "cost_per_egg_layers_eur": D("0.396"),
        "bird_days": D("47.00"),
        "layer_eligible_bird_days": D("31.00"),
        "layer_eligible_count_now": 11,
    }
    # The promoted duck's layer time at Strip 1 is exactly the time since P.
    strip1 = driver.location("Strip 1")
    assert bird_time(driver.db, strip1, P - HOUR, P + HOUR).layer_ms == 10 * 2 * HOUR + HOUR
    # Nursery 1 held the four juveniles for one day: 4.00 bird-days, no layers, nothing else.
    nursery = driver.egg_stats("Nursery 1", ts=T + 2 * DAY)
    assert (nursery.bird_days, nursery.layer_eligible_bird_days) == (D("4.00"), D("0.00"))
    assert nursery.feed_layers_g == 0 and nursery.cost_per_egg_all_eur is None
    assert sorted(ids["juveniles"]) == ids["juveniles"]


def test_21_3_split_flock(driver):
    ids = scenario_21_3(driver)
    at = S + DAY  # T + 3 days

    # Strip 1: 6 F that stayed × 4 d = 24; 4 F that left × 3 d (T-1d to S) = 12;
    # 3 M × 4 d = 12; 4 juveniles × 3 d (T to T+3d) = 12 → 60.00 bird-days.
    # Layers: 24 + 12 + the promoted one × 2 d (P to T+3d) = 38.00.
    # Feed 6 + 6 + 6 kg = 18000 g, 2160 cents; eggs 12 + 12 + 10 = 34.
    # feed_layers_g = 18000 × 38/60 = 11400.
    # all birds: 21.60 / 34 = 0.63529 → 0.635 €;
    # layers: 2160 × 11400 / (100 × 18000 × 34) = 0.40235 → 0.402 €.
    strip1 = driver.egg_stats("Strip 1", ts=at)
    assert figures(strip1) == {
        "eggs_total_pcs": 34,
        "feed_total_g": 18000,
        "feed_layers_g": 11400,
        "feed_cost_cents": 2160,
        "cost_per_egg_all_eur": D("0.635"),
        "cost_per_egg_layers_eur": D("0.402"),
        "bird_days": D("60.00"),
        "layer_eligible_bird_days": D("38.00"),
        "layer_eligible_count_now": 7,  # 6 F that stayed + the promoted one
    }
    # Strip 2: 4 F × 1 d = 4.00 (all layers); 2 kg = 2000 g, 240 cents; 4 eggs.
    # feed_layers_g = 2000 × 4/4 = 2000; both costs 2.40 / 4 = 0.600 €.
    strip2 = driver.egg_stats("Strip 2", ts=at)
    assert figures(strip2) == {
        "eggs_total_pcs": 4,
        "feed_total_g": 2000,
        "feed_layers_g": 2000,
        "feed_cost_cents": 240,
        "cost_per_egg_all_eur": D("0.600"),
        "cost_per_egg_layers_eur": D("0.600"),
        "bird_days": D("4.00"),
        "layer_eligible_bird_days": D("4.00"),
        "layer_eligible_count_now": 4,
    }
    # The four movers' 4 days each are split between the strips, never counted twice:
    # 3 d at Strip 1 + 1 d at Strip 2.
    start = T - 30 * DAY
    moved_ms = 4 * 3 * DAY + 4 * DAY
    assert moved_ms == 16 * DAY
    s1 = bird_time(driver.db, driver.location("Strip 1"), start, at)
    s2 = bird_time(driver.db, driver.location("Strip 2"), start, at)
    assert (s1.all_ms, s2.all_ms) == (60 * DAY, 4 * DAY)
    # The count read from intervals (an event lies after this instant) agrees with the roster.
    assert layer_eligible_count(driver.db, driver.location("Strip 1"), S + 12 * HOUR - 1) == 7
    assert set(driver.live_ids("Strip 2")) == set(ids["moved"])


def test_21_4_backdated_eggs_count_in_their_window(driver):
    ids, event = scenario_21_4(driver)
    strip1 = driver.location("Strip 1")

    # The producers are resolved as they were at S - 2 h: every duck then at Strip 1 — the 10
    # original females (4 of whom are at Strip 2 now), the 3 males and the 4 juveniles.
    everyone = ids["females"] + ids["males"] + ids["juveniles"]
    producers = driver.event_animal_ids(event.id)
    assert sorted(producers) == sorted(everyone)
    assert set(ids["moved"]) <= set(producers)
    assert intervals.live_ids_at_location(driver.db, strip1, S - 2 * HOUR) == sorted(everyone)

    # Strip 1 at T + 3 d: eggs 34 + 5 = 39; feed and bird time as in 21.3.
    # all birds: 21.60 / 39 = 0.55385 → 0.554 €;
    # layers: 2160 × 11400 / (100 × 18000 × 39) = 0.35077 → 0.351 €.
    strip1_stats = driver.egg_stats("Strip 1", ts=S + DAY)
    assert strip1_stats.eggs_total_pcs == 39
    assert strip1_stats.cost_per_egg_all_eur == D("0.554")
    assert strip1_stats.cost_per_egg_layers_eur == D("0.351")
    assert strip1_stats.bird_days == D("60.00")
    # Strip 2 is untouched: its 4 eggs only.
    assert driver.egg_stats("Strip 2", ts=S + DAY).eggs_total_pcs == 4
    # In the window ending at the split: 12 + 12 + 5 = 29; a window ending at the eggs' time
    # does not include them (24), one ending a millisecond later does (29).
    assert driver.egg_stats("Strip 1", ts=S).eggs_total_pcs == 29
    assert driver.egg_stats("Strip 1", ts=S - 2 * HOUR).eggs_total_pcs == 24
    assert driver.egg_stats("Strip 1", ts=S - 2 * HOUR + 1).eggs_total_pcs == 29


def test_21_7_harvest_with_yields(driver):
    ids = baseline_21_1(driver)
    strip1 = driver.location("Strip 1")
    harvested = ids["males"][:2]
    harvest_ts = T + 6 * HOUR
    driver.harvest(harvested, ts=harvest_ts, yields={"meat": "2.345", "feathers": "0.12"})

    # Status harvested; gone from the live roster and from the live ids at any later time.
    for animal in harvested:
        row = driver.db.execute(
            "SELECT status FROM animal_registry WHERE animal_id = ?", (animal,)
        ).fetchone()
        assert row == ("harvested",)
    assert set(driver.live_ids("Strip 1")) == set(ids["females"]) | {ids["males"][2]}
    assert not set(harvested) & set(intervals.live_ids_at_location(driver.db, strip1, T + DAY))
    # Their location interval ends exactly at the harvest.
    ends = driver.db.execute(
        "SELECT animal_id, end_utc FROM animal_location_intervals WHERE animal_id IN (?, ?)",
        harvested,
    ).fetchall()
    assert sorted(ends) == sorted((a, harvest_ts) for a in harvested)
    # Roster facets now: 10 females and 1 male at Strip 1.
    facets = roster_facets(driver.db, strip1)
    assert (facets.total, facets.by_sex) == (11, {"female": 10, "male": 1})
    # ...and at T, before the harvest, all 13 (read from the intervals).
    assert roster_facets(driver.db, strip1, at=T).by_sex == {"female": 10, "male": 3}

    # Bird time stops at the harvest: from the harvest to T + 1 d only 11 ducks count,
    # 11 × 18 h = 198 h; from T - 1 d to T + 1 d: 10 F × 2 d + 1 M × 2 d + 2 M × 1.25 d
    # = 24.50 bird-days, layers 10 × 2 d = 20.00.
    assert bird_time(driver.db, strip1, harvest_ts, T + DAY).all_ms == 11 * 18 * HOUR
    stats = driver.egg_stats("Strip 1", ts=T + DAY)
    # feed_layers_g = floor(6000 × 20/24.5) = floor(4897.96) = 4897;
    # all: 7.20 / 12 = 0.600 €; layers: 720 × 4897 / (100 × 6000 × 12) = 0.48970 → 0.490 €.
    assert figures(stats) == {
        "eggs_total_pcs": 12,
        "feed_total_g": 6000,
        "feed_layers_g": 4897,
        "feed_cost_cents": 720,
        "cost_per_egg_all_eur": D("0.600"),
        "cost_per_egg_layers_eur": D("0.490"),
        "bird_days": D("24.50"),
        "layer_eligible_bird_days": D("20.00"),
        "layer_eligible_count_now": 10,
    }

    # The yields, in exact grams, appear in the product totals (the ledger holds no place for
    # them: where the harvested animals were is not a fact of the event).
    totals = {y.product_code: y for y in harvest_yield_totals(driver.db)}
    assert set(totals) == {"meat", "feathers"}
    assert (totals["meat"].total_units, totals["meat"].quantity) == (2345, D("2.345"))
    assert (totals["feathers"].total_units, totals["feathers"].quantity) == (120, D("0.120"))
    assert totals["meat"].harvests == 1 and totals["meat"].unit == "kg"
    rows = driver.db.execute(
        "SELECT product_code, location_id, quantity FROM product_ledger WHERE entry = 'yield'"
        " ORDER BY product_code"
    ).fetchall()
    assert rows == [("feathers", None, 120), ("meat", None, 2345)]
    # The period filter is half-open: [since, until).
    assert harvest_yield_totals(driver.db, since=harvest_ts + 1) == []
    assert harvest_yield_totals(driver.db, until=harvest_ts) == []
    assert len(harvest_yield_totals(driver.db, since=harvest_ts, until=harvest_ts + 1)) == 2
