"""The flock's figures (SPEC §10.3) through each driver: the domain services, and GraphQL over
HTTP against the app under uvicorn. Expected figures are worked out by hand in the comments.

The farm: at T0 = T - 10 days, Strip 1 receives 10 adult female and 2 adult male ducks, Strip 2
5 adult female ducks; two 20 kg bags of layer feed are bought for 2400 cents each (120
cents/kg). At T0 + 1 day 6 kg are given at Strip 1 and 4 kg at Strip 2. One female of Strip 1
dies at T - 5 days. 24 eggs are collected at Strip 1 and 6 at Strip 2. Every figure is read at
T over a 10-day window, [T0, T).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from stats_driver import DAY, ScenarioDriver, ServiceDriver, T, ms
from test_scenarios_per_driver import graphql_over_http

T0 = T - 10 * DAY


@pytest.fixture(params=["service", "graphql-http"])
def driver(request):
    if request.param == "service":
        # The clock after the autumn change, so its scenario lies in the past.
        yield ServiceDriver(request.getfixturevalue("seeded_db"), now=ms("2026-11-01T00:00:00Z"))
    else:
        with graphql_over_http(request.getfixturevalue("fresh_server")) as http_driver:
            yield http_driver


def farm(d: ScenarioDriver) -> None:
    females = d.create_cohort("Strip 1", 10, sex="female", ts=T0)
    d.create_cohort("Strip 1", 2, sex="male", ts=T0)
    d.create_cohort("Strip 2", 5, sex="female", ts=T0)
    d.buy_feed("layer", bags=2, bag_price_cents=2400, ts=T0)
    d.give_feed("Strip 1", "layer", 6, ts=T0 + DAY)
    d.give_feed("Strip 2", "layer", 4, ts=T0 + DAY)
    d.record_loss(sorted(females)[:1], ts=T - 5 * DAY)
    d.collect_eggs("Strip 1", 24, ts=T - 2 * DAY)
    d.collect_eggs("Strip 2", 6, ts=T - 2 * DAY)


def text(figures: dict) -> dict:
    """Decimals as the text the API writes."""
    return {
        k: str(v) if isinstance(v, Decimal) else v for k, v in figures.items() if k != "feed_stock"
    } | {
        "feed_stock": [
            tuple(str(x) if isinstance(x, Decimal) else x for x in r) for r in figures["feed_stock"]
        ]
    }


# The layer feed: 40 kg bought, 10 kg given before T: balance 30 kg. Given in the window
# 10 kg over 10 days = 1 kg a day, so 30 ÷ 1 = 30.0 days left, whichever location is asked.
STOCK = [("layer", 30, 10, "30.0")]


def test_flock_at_one_strip(driver):
    farm(driver)
    # Strip 1: males 2 × 10 d = 20; females 9 × 10 d + 1 × 5 d (died at T - 5 d) = 95.
    # Bird-days 115.00, layer-eligible 95.00.
    # Laying rate 24 ÷ 95.00 × 100 = 25.263… → 25.3 %; per layer-day 0.25263 → 0.253.
    # Feed 6 kg × 12 ÷ 24 eggs = 3.000 kg per dozen; 720 cents; per egg 7.20 / 24 = 0.300 €.
    # feed_layers_g = floor(6000 × 95/115) = 4956; layers 7.20 × 4956/6000 / 24 = 0.24780
    # → 0.248 €. Mortality: 1 death among the 12 there in the window = 8.333… → 8.3 %.
    assert text(driver.flock("Strip 1", ts=T, window_days=10)) == {
        "eggs": 24,
        "bird_days": "115.00",
        "layer_eligible_bird_days": "95.00",
        "laying_rate_pct": "25.3",
        "eggs_per_layer_per_day": "0.253",
        "feed_given_g": 6000,
        "feed_per_dozen_eggs_kg": "3.000",
        "feed_cost_cents": 720,
        "cost_per_egg_all_eur": "0.300",
        "cost_per_egg_layers_eur": "0.248",
        "deaths": 1,
        "animals_present": 12,
        "mortality_pct": "8.3",
        "feed_stock": STOCK,
    }
    # Strip 2: 5 females × 10 d = 50.00 both; 6 ÷ 50 × 100 = 12.0 %; 4 kg × 12 ÷ 6 = 8.000;
    # 480 cents / 6 = 0.800 € either way (every bird a layer); no deaths among 5: 0.0 %.
    strip2 = text(driver.flock("Strip 2", ts=T, window_days=10))
    assert strip2 == {
        "eggs": 6,
        "bird_days": "50.00",
        "layer_eligible_bird_days": "50.00",
        "laying_rate_pct": "12.0",
        "eggs_per_layer_per_day": "0.120",
        "feed_given_g": 4000,
        "feed_per_dozen_eggs_kg": "8.000",
        "feed_cost_cents": 480,
        "cost_per_egg_all_eur": "0.800",
        "cost_per_egg_layers_eur": "0.800",
        "deaths": 0,
        "animals_present": 5,
        "mortality_pct": "0.0",
        "feed_stock": STOCK,
    }


def test_flock_farm_wide_sums_bird_time_and_feed(driver):
    farm(driver)
    # Every location added up: bird-days 115 + 50 = 165.00, layers 95 + 50 = 145.00 (not the
    # average of 25.3 % and 12.0 %): 30 ÷ 145.00 × 100 = 20.689… → 20.7 %; 0.20689 → 0.207.
    # Feed 10 kg × 12 ÷ 30 = 4.000 kg per dozen; 1200 cents / 30 = 0.400 €;
    # feed_layers_g = floor(10000 × 145/165) = 8787; 12.00 × 8787/10000 / 30 = 0.35148
    # → 0.351 €. Mortality 1 of 17 = 5.882… → 5.9 %.
    assert text(driver.flock(None, ts=T, window_days=10)) == {
        "eggs": 30,
        "bird_days": "165.00",
        "layer_eligible_bird_days": "145.00",
        "laying_rate_pct": "20.7",
        "eggs_per_layer_per_day": "0.207",
        "feed_given_g": 10000,
        "feed_per_dozen_eggs_kg": "4.000",
        "feed_cost_cents": 1200,
        "cost_per_egg_all_eur": "0.400",
        "cost_per_egg_layers_eur": "0.351",
        "deaths": 1,
        "animals_present": 17,
        "mortality_pct": "5.9",
        "feed_stock": STOCK,
    }
    # A window that ends before the death and the eggs: no eggs, so nothing per egg or per
    # dozen; 6 + 4 kg given over the 4 days [T0, T0 + 4 d): 2.500 kg a day; 30 kg left
    # → 12.0 days.
    early = driver.flock(None, ts=T0 + 4 * DAY, window_days=4)
    assert (early["eggs"], early["feed_per_dozen_eggs_kg"], early["cost_per_egg_all_eur"]) == (
        0,
        None,
        None,
    )
    assert early["laying_rate_pct"] == Decimal("0.0") and early["deaths"] == 0
    assert early["feed_stock"] == [("layer", 30, 10, Decimal("12.0"))]


def test_flock_and_egg_stats_agree(driver):
    farm(driver)
    for location in ("Strip 1", "Strip 2"):
        stats = driver.egg_stats(location, ts=T, window_days=10)
        figures = driver.flock(location, ts=T, window_days=10)
        assert (
            figures["eggs"],
            figures["feed_given_g"],
            figures["feed_cost_cents"],
            figures["bird_days"],
            figures["layer_eligible_bird_days"],
            figures["eggs_per_layer_per_day"],
            figures["cost_per_egg_all_eur"],
            figures["cost_per_egg_layers_eur"],
        ) == (
            stats.eggs_total_pcs,
            stats.feed_total_g,
            stats.feed_cost_cents,
            stats.bird_days,
            stats.layer_eligible_bird_days,
            stats.eggs_per_layer_per_day,
            stats.cost_per_egg_all_eur,
            stats.cost_per_egg_layers_eur,
        )


# -- the daily series across a daylight-saving change ----------------------------------------
#
# Europe/Lisbon moves to summer time at 01:00 UTC on Sunday 2026-03-29: that local day runs
# from 2026-03-29T00:00Z to 2026-03-29T23:00Z, 23 hours. 4 adult female ducks live at Strip 1
# from 2026-03-27T00:00Z; 2 adult males at Strip 2 from 2026-03-28T12:00Z.


def spring(d: ScenarioDriver) -> None:
    d.create_cohort("Strip 1", 4, sex="female", ts=ms("2026-03-27T00:00:00Z"))
    d.create_cohort("Strip 2", 2, sex="male", ts=ms("2026-03-28T12:00:00Z"))
    d.buy_feed("layer", bags=1, bag_price_cents=2400, ts=ms("2026-03-27T00:00:00Z"))
    # 23:30 UTC is 23:30 local (WET) on the 28th.
    d.collect_eggs("Strip 1", 4, ts=ms("2026-03-28T23:30:00Z"))
    d.give_feed("Strip 1", "layer", 2, ts=ms("2026-03-29T10:00:00Z"))
    d.collect_eggs("Strip 1", 3, ts=ms("2026-03-29T12:00:00Z"))
    # 23:30 UTC is 00:30 local (WEST) on the 30th.
    d.collect_eggs("Strip 1", 2, ts=ms("2026-03-29T23:30:00Z"))


DAYS = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]


def test_daily_series_across_the_spring_change(driver):
    spring(driver)
    # Strip 1: 4 ducks × 24 h = 4.00 bird-days; × 23 h = 92 h = 3.8333… → 3.83; then 4.00.
    # Laying rate 4 ÷ 4.00 = 100.0 %, 3 ÷ 3.83 = 78.328… → 78.3 %, 2 ÷ 4.00 = 50.0 %.
    # 2 kg on the 29th: 2000 g, 240 cents.
    series = driver.daily_series("Strip 1", DAYS[0], DAYS[-1])
    assert series == {
        "days": DAYS,
        "eggs": [4, 3, 2],
        "feed_given_g": [0, 2000, 0],
        "feed_cost_cents": [0, 240, 0],
        "bird_days": [Decimal("4.00"), Decimal("3.83"), Decimal("4.00")],
        "layer_eligible_bird_days": [Decimal("4.00"), Decimal("3.83"), Decimal("4.00")],
        "laying_rate_pct": [Decimal("100.0"), Decimal("78.3"), Decimal("50.0")],
    }
    # Farm-wide the males add 2 × 12 h = 1 day on the 28th, 2 × 23 h on the 29th and 2 days on
    # the 30th: (4 + 2) × 23 h = 138 h = 5.75 bird-days; the layers and eggs are Strip 1's.
    farm_wide = driver.daily_series(None, DAYS[0], DAYS[-1])
    assert farm_wide["bird_days"] == [Decimal("5.00"), Decimal("5.75"), Decimal("6.00")]
    assert farm_wide["layer_eligible_bird_days"] == series["layer_eligible_bird_days"]
    assert farm_wide["eggs"] == series["eggs"]
    # Before the ducks arrived: no bird time, so no laying rate.
    before = driver.daily_series(None, date(2026, 3, 26), date(2026, 3, 26))
    assert before["bird_days"] == [Decimal("0.00")] and before["laying_rate_pct"] == [None]


def test_daily_series_across_the_autumn_change(driver):
    # Back to WET at 01:00 UTC on Sunday 2026-10-25: that local day runs from
    # 2026-10-24T23:00Z to 2026-10-26T00:00Z, 25 hours: 4 × 25 h = 100 h = 4.1666… → 4.17.
    driver.create_cohort("Strip 1", 4, sex="female", ts=ms("2026-10-20T00:00:00Z"))
    series = driver.daily_series("Strip 1", date(2026, 10, 24), date(2026, 10, 26))
    assert series["bird_days"] == [Decimal("4.00"), Decimal("4.17"), Decimal("4.00")]


def test_a_daily_series_of_more_than_3660_days_is_refused(seeded_db):
    from animaltrack.errors import ValidationError
    from animaltrack.services.flock import get_daily_series

    with pytest.raises(ValidationError, match="3660"):
        get_daily_series(seeded_db, None, date(2020, 1, 1), date(2030, 1, 8))
    with pytest.raises(ValidationError):
        get_daily_series(seeded_db, None, date(2026, 3, 2), date(2026, 3, 1))
    assert len(get_daily_series(seeded_db, None, date(2020, 1, 1), date(2030, 1, 7)).days) == 3660
