"""The daily egg series is bucketed by local calendar day, midnight to midnight (SPEC §10.1).

Europe/Lisbon moves to summer time (WEST, UTC+1) at 01:00 UTC on 2026-03-29, a 23-hour day, and
back to WET (UTC+0) at 01:00 UTC on 2026-10-25, a 25-hour day. Egg counts are powers of two, so
each bucket's sum says exactly which collections fell in it.
"""

from __future__ import annotations

from datetime import date

import pytest
from stats_driver import HOUR, ServiceDriver, ms

from animaltrack.errors import ValidationError
from animaltrack.services.stats import daily_egg_series, local_day_bounds


@pytest.fixture
def farm(seeded_db) -> ServiceDriver:
    d = ServiceDriver(seeded_db, now=ms("2026-11-01T00:00:00Z"))
    d.create_cohort("Strip 1", 5, sex="female", ts=ms("2026-03-01T00:00:00Z"))
    return d


def _collect(farm: ServiceDriver, eggs: dict[str, int]) -> None:
    for when, pieces in eggs.items():
        farm.collect_eggs("Strip 1", pieces, ts=ms(when))


def test_local_days_on_dst_changes_are_23_and_25_hours():
    start, end = local_day_bounds(date(2026, 3, 29))
    assert (start, end) == (ms("2026-03-29T00:00:00Z"), ms("2026-03-29T23:00:00Z"))
    assert end - start == 23 * HOUR
    start, end = local_day_bounds(date(2026, 10, 25))
    assert (start, end) == (ms("2026-10-24T23:00:00Z"), ms("2026-10-26T00:00:00Z"))
    assert end - start == 25 * HOUR
    start, end = local_day_bounds(date(2026, 6, 1))
    assert (start, end) == (ms("2026-05-31T23:00:00Z"), ms("2026-06-01T23:00:00Z"))
    assert local_day_bounds(date(2026, 3, 29), "UTC")[1] - ms("2026-03-29T00:00:00Z") == 24 * HOUR


def test_spring_forward_day(farm):
    _collect(
        farm,
        {
            "2026-03-28T00:00:00.000Z": 1,  # 00:00 WET, 28 Mar: the first instant of the series
            "2026-03-28T23:59:59.999Z": 2,  # 23:59:59.999 WET, 28 Mar
            "2026-03-29T00:00:00.000Z": 4,  # 00:00 WET, 29 Mar
            "2026-03-29T00:59:59.999Z": 8,  # 00:59:59.999 WET, just before the change
            "2026-03-29T01:00:00.000Z": 16,  # 02:00 WEST: the clocks jumped an hour
            "2026-03-29T22:59:59.999Z": 32,  # 23:59:59.999 WEST, the 29th's last instant
            "2026-03-29T23:00:00.000Z": 64,  # 00:00 WEST, 30 Mar
            "2026-03-30T22:59:59.999Z": 128,  # 23:59:59.999 WEST, 30 Mar
            "2026-03-30T23:00:00.000Z": 256,  # 00:00, 31 Mar: past the series' end
        },
    )
    strip1 = farm.location("Strip 1")
    series = daily_egg_series(
        farm.db, strip1, ms("2026-03-28T00:00:00Z"), ms("2026-03-30T23:00:00Z")
    )
    assert series == [
        (date(2026, 3, 28), 1 + 2),
        (date(2026, 3, 29), 4 + 8 + 16 + 32),
        (date(2026, 3, 30), 64 + 128),
    ]
    # The same eggs by UTC days: 23:00Z on the 29th is still the 29th, and the 30th runs to
    # 24:00Z, so it takes the 256.
    assert daily_egg_series(
        farm.db, strip1, ms("2026-03-28T00:00:00Z"), ms("2026-03-31T00:00:00Z"), tz="UTC"
    ) == [(date(2026, 3, 28), 3), (date(2026, 3, 29), 60 + 64), (date(2026, 3, 30), 128 + 256)]
    # A range that starts and ends mid-day clips its first and last day.
    assert daily_egg_series(
        farm.db, strip1, ms("2026-03-29T12:00:00Z"), ms("2026-03-30T01:00:00Z")
    ) == [(date(2026, 3, 29), 32), (date(2026, 3, 30), 64)]


def test_fall_back_day(farm):
    _collect(
        farm,
        {
            "2026-10-23T23:00:00.000Z": 1,  # 00:00 WEST, 24 Oct
            "2026-10-24T22:59:59.999Z": 2,  # 23:59:59.999 WEST, 24 Oct
            "2026-10-24T23:00:00.000Z": 4,  # 00:00 WEST, 25 Oct
            "2026-10-25T00:30:00.000Z": 8,  # 01:30 WEST, the first 01:30
            "2026-10-25T01:30:00.000Z": 16,  # 01:30 WET, the second 01:30
            "2026-10-25T23:59:59.999Z": 32,  # 23:59:59.999 WET, the 25th's last instant
            "2026-10-26T00:00:00.000Z": 64,  # 00:00 WET, 26 Oct
            "2026-10-26T23:59:59.999Z": 128,  # 23:59:59.999 WET, 26 Oct
        },
    )
    series = daily_egg_series(
        farm.db, farm.location("Strip 1"), ms("2026-10-23T23:00:00Z"), ms("2026-10-27T00:00:00Z")
    )
    assert series == [
        (date(2026, 10, 24), 1 + 2),
        (date(2026, 10, 25), 4 + 8 + 16 + 32),
        (date(2026, 10, 26), 64 + 128),
    ]


def test_days_without_eggs_and_other_locations_give_zero(farm):
    _collect(farm, {"2026-06-01T10:00:00Z": 7})
    strip1, strip2 = farm.location("Strip 1"), farm.location("Strip 2")
    start, end = ms("2026-05-30T23:00:00Z"), ms("2026-06-02T23:00:00Z")
    assert daily_egg_series(farm.db, strip1, start, end) == [
        (date(2026, 5, 31), 0),
        (date(2026, 6, 1), 7),
        (date(2026, 6, 2), 0),
    ]
    assert [pcs for _, pcs in daily_egg_series(farm.db, strip2, start, end)] == [0, 0, 0]
    assert daily_egg_series(farm.db, strip1, start, start) == []


def test_bad_series_arguments_are_refused(farm):
    strip1 = farm.location("Strip 1")
    start = ms("2026-06-01T00:00:00Z")
    with pytest.raises(ValidationError) as error:
        daily_egg_series(farm.db, strip1, start, start + HOUR, tz="Mars/Olympus_Mons")
    assert error.value.field == "tz"
    with pytest.raises(ValidationError) as error:
        daily_egg_series(farm.db, strip1, start, start - 1)
    assert error.value.field == "end_ts"
    with pytest.raises(ValidationError) as error:
        daily_egg_series(farm.db, strip1, start, start + 4000 * 24 * HOUR)
    assert error.value.field == "end_ts"
