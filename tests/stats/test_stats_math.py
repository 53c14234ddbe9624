"""The arithmetic under the statistics: interval overlaps, exact rounding, windows, prices.

The interval test writes hand-made rows into the interval tables of a scratch database (no
events) and brings the bird time projection in line with them, so each millisecond of the
expected figures can be followed by hand, through the projection and the reference alike.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from stats_driver import DAY, HOUR, ServiceDriver, T

from animaltrack.errors import NotFoundError, ValidationError
from animaltrack.projections.bird_time import BirdTimeProjection
from animaltrack.services.readmodels import (
    average_sale_price,
    feed_inventory,
    roster_facets,
)
from animaltrack.services.stats import (
    bird_time,
    get_egg_stats,
    ms_to_days,
    round_ratio,
    window_bounds,
)
from tests.bird_time_reference import bird_time_from_intervals, overlap_ms

D = Decimal


def test_overlap_of_half_open_intervals():
    assert overlap_ms((0, 10), (5, 20)) == 5
    assert overlap_ms((0, 10), (10, 20)) == 0  # touching ends share no millisecond
    assert overlap_ms((0, 10), (20, 30)) == 0  # disjoint: never negative
    assert overlap_ms((0, None), (5, 20)) == 15  # open interval
    assert overlap_ms((0, None), (3, None), (1, 8)) == 5
    assert overlap_ms((4, 9)) == 5


def _insert(db, table: str, rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(rows[0]))
    db.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def test_bird_time_intersections_by_hand(seeded_db):
    """Window [1000, 2000) at one location; each animal's ms worked out by hand."""
    loc, other = "LOC", "ELSEWHERE"
    registry, locations, attrs = [], [], []

    def animal(name, species, location_spans, sex, life_stage, status):
        registry.append(
            (name, species, "x", "unknown", "adult", "alive", loc, None, 0, "unknown", 0, 0)
        )
        locations.extend((name, where, s, e) for where, s, e in location_spans)
        for attr, spans in (("sex", sex), ("life_stage", life_stage), ("status", status)):
            attrs.extend((name, attr, value, s, e) for value, s, e in spans)

    # A: at LOC [500, 1500) and again [1700, open); adult from 1200.
    #    all = 500 + 300 = 800; layer = [1200, 1500) + [1700, 2000) = 600.
    animal(
        "A",
        "duck",
        [(loc, 500, 1500), (other, 1500, 1700), (loc, 1700, None)],
        [("female", 0, None)],
        [("juvenile", 0, 1200), ("adult", 1200, None)],
        [("alive", 0, None)],
    )
    # B: an adult female goose all along: all = 1000, layer = 0 (geese lay no egg product).
    animal(
        "B",
        "goose",
        [(loc, 0, None)],
        [("female", 0, None)],
        [("adult", 0, None)],
        [("alive", 0, None)],
    )
    # C: an adult male duck from 1900: all = 100, layer = 0.
    animal(
        "C",
        "duck",
        [(loc, 1900, None)],
        [("male", 0, None)],
        [("adult", 0, None)],
        [("alive", 0, None)],
    )
    # D: an adult female duck at LOC [1000, 1100), dead from 1050: all = 100, layer = 50.
    animal(
        "D",
        "duck",
        [(loc, 1000, 1100)],
        [("female", 0, None)],
        [("adult", 0, None)],
        [("alive", 0, 1050), ("dead", 1050, None)],
    )
    # E: at LOC only up to the window's start and from its end: all = 0.
    animal(
        "E",
        "duck",
        [(loc, 0, 1000), (other, 1000, 2000), (loc, 2000, None)],
        [("female", 0, None)],
        [("adult", 0, None)],
        [("alive", 0, None)],
    )
    # F: sex unknown until 1300, then female; adult and alive: all = 1000, layer = 700.
    animal(
        "F",
        "duck",
        [(loc, 0, None)],
        [("unknown", 0, 1300), ("female", 1300, None)],
        [("adult", 0, None)],
        [("alive", 0, None)],
    )

    _insert(seeded_db, "animal_registry", registry)
    _insert(seeded_db, "animal_location_intervals", locations)
    _insert(seeded_db, "animal_attr_intervals", attrs)
    BirdTimeProjection(seeded_db).recompute(r[0] for r in registry)

    result = bird_time(seeded_db, loc, 1000, 2000)
    assert (result.all_ms, result.layer_ms) == (800 + 1000 + 100 + 100 + 0 + 1000, 600 + 50 + 700)
    assert bird_time_from_intervals(seeded_db, loc, 1000, 2000) == result

    # The same figures from the in-memory reference, interval by interval.
    window = (1000, 2000)
    all_ms = sum(overlap_ms((s, e), window) for _, where, s, e in locations if where == loc)
    assert all_ms == result.all_ms
    # A window that cuts intervals: [1250, 1260) holds A, B, F (10 ms each); only A is a layer
    # then (F becomes female at 1300).
    assert bird_time(seeded_db, loc, 1250, 1260) == type(result)(30, 10)
    assert bird_time_from_intervals(seeded_db, loc, 1250, 1260) == type(result)(30, 10)
    # An empty location.
    assert bird_time(seeded_db, "NOWHERE", 0, 10**13) == type(result)(0, 0)


def test_round_ratio_is_exact_half_up():
    assert round_ratio(6000 * 10, 13, 0) == D("4615")  # 4615.38
    assert round_ratio(6000, 13, 2) == D("461.54")  # 461.538
    assert round_ratio(1, 8, 2) == D("0.13")  # 0.125 → 0.13 (half up, not to even)
    assert round_ratio(3, 8, 2) == D("0.38")
    assert round_ratio(1, 3, 3) == D("0.333")
    assert round_ratio(2, 3, 3) == D("0.667")
    assert round_ratio(-1, 8, 2) == D("-0.13")  # half away from zero
    assert round_ratio(720, 1200, 3) == D("0.600")  # keeps its trailing zeros
    assert str(round_ratio(720, 1200, 3)) == "0.600"
    # 10 days less 432 000 ms (0.005 d) is 9.995 d: exactly half, rounds up.
    assert ms_to_days(10 * DAY - 432_000) == D("10.00")
    assert ms_to_days(10 * DAY - 432_001) == D("9.99")
    assert ms_to_days(0) == D("0.00")


def test_window_bounds_and_bad_arguments(seeded_db):
    assert window_bounds(T, 30) == (T - 30 * DAY, T)
    assert window_bounds(T, 1) == (T - DAY, T)
    strip1 = seeded_db.execute("SELECT id FROM locations WHERE name = 'Strip 1'").fetchone()[0]
    for bad in (0, -3, 1.5, True, "30"):
        with pytest.raises(ValidationError) as error:
            get_egg_stats(seeded_db, strip1, T, bad)
        assert error.value.field == "window_days"
    with pytest.raises(ValidationError) as error:
        get_egg_stats(seeded_db, strip1, float(T))
    assert error.value.field == "ts_utc"
    with pytest.raises(NotFoundError):
        get_egg_stats(seeded_db, "01J00000000000000000000000", T)
    # Ids are accepted in any case.
    assert get_egg_stats(seeded_db, strip1.lower(), T).location_id == strip1


def test_window_is_half_open(driver):
    """An egg at exactly the window's start counts; one at exactly its end does not."""
    driver.create_cohort("Strip 1", 2, sex="female", ts=T - 40 * DAY)
    driver.collect_eggs("Strip 1", 1, ts=T - 30 * DAY)
    driver.collect_eggs("Strip 1", 2, ts=T)
    driver.collect_eggs("Strip 1", 4, ts=T - 30 * DAY - 1)
    assert driver.egg_stats("Strip 1", ts=T).eggs_total_pcs == 1
    # One millisecond later the window has slid: the egg at its old start left, T's came in.
    assert driver.egg_stats("Strip 1", ts=T + 1).eggs_total_pcs == 2
    assert driver.egg_stats("Strip 1", ts=T, window_days=31).eggs_total_pcs == 1 + 4
    # Bird time is clipped to the window: 2 ducks × 30 days.
    assert driver.egg_stats("Strip 1", ts=T).bird_days == D("60.00")


def test_feed_is_priced_at_the_latest_purchase_at_or_before_it(driver):
    t0, t1 = T - 10 * DAY, T - 5 * DAY
    driver.buy_feed("layer", bags=1, bag_price_cents=2400, ts=t0)  # 120 c/kg
    driver.buy_feed("layer", bags=1, bag_price_cents=3000, ts=t1)  # 150 c/kg
    driver.buy_feed("layer", bags=1, bag_price_cents=3300, ts=t1)  # 165 c/kg, same time, later
    driver.buy_feed("grower", bags=2, bag_price_cents=2001, ts=t0)  # 100.05 → 100 c/kg
    driver.give_feed("Strip 1", "layer", 1, ts=t0)  # at the purchase's own time: 120
    driver.give_feed("Strip 1", "layer", 2, ts=t1 - 1)  # before the new price: 2 × 120
    driver.give_feed("Strip 1", "layer", 3, ts=t1)  # ties by time, then id: 3 × 165
    driver.give_feed("Strip 1", "grower", 4, ts=t1 + HOUR)  # 4 × 100
    driver.give_feed("Strip 2", "layer", 7, ts=t1)  # another location: not counted
    stats = driver.egg_stats("Strip 1", ts=T)
    # 120 + 240 + 495 + 400 = 1255 cents; 1 + 2 + 3 + 4 = 10 kg.
    assert (stats.feed_total_g, stats.feed_cost_cents) == (10_000, 1255)
    # No eggs, no birds: no cost per egg, no layer share.
    assert (stats.cost_per_egg_all_eur, stats.cost_per_egg_layers_eur) == (None, None)
    assert stats.feed_layers_g == 0

    stock = {row.feed_type_code: row for row in feed_inventory(driver.db)}
    # layer: 3 bags × 20 kg bought, 1 + 2 + 3 + 7 = 13 kg given; last price 165.
    assert (stock["layer"].purchased_kg, stock["layer"].given_kg) == (60, 13)
    assert (stock["layer"].balance_kg, stock["layer"].last_purchase_price_per_kg_cents) == (47, 165)
    assert stock["grower"].balance_kg == 36 and stock["grower"].last_given_ts_utc == t1 + HOUR
    # A type never bought is listed with zeros.
    assert (stock["starter"].purchased_kg, stock["starter"].balance_kg) == (0, 0)
    assert stock["starter"].last_purchase_price_per_kg_cents is None


def test_kg_products_are_exact_grams(driver):
    # Values that floats get wrong (1.001 × 1000 = 1000.9999…) stay exact.
    driver.collect("Strip 3", "meat", "1.001", ts=T - 3 * HOUR)
    driver.collect("Strip 3", "meat", "2.675", ts=T - 2 * HOUR)
    driver.collect("Strip 3", "down", "0.3", ts=T - 2 * HOUR)
    driver.sell("meat", "0.333", 100, ts=T - HOUR)
    driver.sell("meat", "1.5", 450, ts=T - HOUR)
    rows = driver.db.execute(
        "SELECT entry, product_code, quantity, total_price_cents, unit_price_cents"
        " FROM product_ledger ORDER BY ts_utc, product_code, quantity"
    ).fetchall()
    assert rows == [
        ("collected", "meat", 1001, None, None),
        ("collected", "down", 300, None, None),
        ("collected", "meat", 2675, None, None),
        # floor(100 / 0.333) = floor(300.3) = 300 cents per kg; floor(450 / 1.5) = 300.
        ("sold", "meat", 333, 100, 300),
        ("sold", "meat", 1500, 450, 300),
    ]
    # Average: 550 cents / 1.833 kg = 300.05455… → 300.05 cents per kg.
    price = average_sale_price(driver.db, "meat", T, 30)
    assert (price.quantity, price.total_price_cents) == (D("1.833"), 550)
    assert price.average_price_cents == D("300.05") and price.unit == "kg"
    # Meat collected is not eggs: Strip 3's egg figures stay at zero.
    assert driver.egg_stats("Strip 3", ts=T).eggs_total_pcs == 0


def test_average_sale_price_of_eggs_over_a_window(driver):
    driver.create_cohort("Strip 1", 3, sex="female", ts=T - 20 * DAY)
    driver.collect_eggs("Strip 1", 60, ts=T - 10 * DAY)
    driver.sell("egg.duck", 30, 900, ts=T - 9 * DAY)
    driver.sell("egg.duck", 10, 350, ts=T - DAY)
    driver.sell("egg.duck", 12, 1200, ts=T - 40 * DAY)  # outside the window
    # (900 + 350) / 40 = 31.25 cents per egg.
    price = average_sale_price(driver.db, "egg.duck", T, 30)
    assert (price.quantity, price.total_price_cents, price.average_price_cents) == (
        D("40"),
        1250,
        D("31.25"),
    )
    assert average_sale_price(driver.db, "egg.duck", T, 5).average_price_cents == D("35.00")
    nothing = average_sale_price(driver.db, "fat", T, 30)
    assert (nothing.quantity, nothing.average_price_cents) == (D("0.000"), None)
    with pytest.raises(NotFoundError):
        average_sale_price(driver.db, "egg.goose", T, 30)


def test_roster_facets_now_and_at_a_past_time(seeded_db):
    d = ServiceDriver(seeded_db)
    hens = d.create_cohort("Strip 1", 3, sex="female", ts=T - 3 * DAY)
    d.create_cohort("Strip 1", 2, sex="male", ts=T - 3 * DAY)
    d.create_cohort("Nursery 1", 4, life_stage="hatchling", ts=T - 3 * DAY)
    d.create_cohort("Strip 2", 2, species="goose", sex="female", ts=T - 3 * DAY)
    d.move(hens[:1], "Strip 2", ts=T - DAY)
    d.update_attributes(hens[1:2], ts=T - DAY, life_stage="subadult")

    now = roster_facets(seeded_db)
    strip1, strip2, nursery = (d.location(n) for n in ("Strip 1", "Strip 2", "Nursery 1"))
    assert now.total == 11
    assert now.by_location == {strip1: 4, strip2: 3, nursery: 4}
    assert now.by_species == {"duck": 9, "goose": 2}
    assert now.by_sex == {"female": 5, "male": 2, "unknown": 4}
    assert now.by_life_stage == {"adult": 6, "hatchling": 4, "subadult": 1}
    # Before the move and the change, as the intervals tell it.
    before = roster_facets(seeded_db, at=T - 2 * DAY)
    assert before.by_location == {strip1: 5, strip2: 2, nursery: 4}
    assert before.by_life_stage == {"adult": 7, "hatchling": 4}
    # The past equals "now" once nothing changes any more.
    assert roster_facets(seeded_db, at=T).groups == now.groups
    at_strip1 = roster_facets(seeded_db, strip1, at=T - 2 * DAY)
    assert (at_strip1.total, at_strip1.by_sex) == (5, {"female": 3, "male": 2})
    # Before anything was created: nobody.
    assert roster_facets(seeded_db, at=T - 4 * DAY).total == 0
