"""Bird time by location and UTC hour (`animaltrack.projections.bird_time`): the day sums it
gives equal the overlap of every interval with each day, computed from the interval tables
(`tests.bird_time_reference`), at every location and farm-wide, on random histories, with
bounds at whole hours and inside them. That the projection's
rows are the same one event at a time, refolded, reverted and rebuilt is
`test_contract.py`'s part."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from animaltrack.events.payloads import (
    AnimalAttributesUpdatedPayload,
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    build_payload,
)
from animaltrack.projections.bird_time import bird_ms_by_day
from animaltrack.services.flock import get_daily_series
from animaltrack.services.stats import DAY_MS
from tests.bird_time_reference import bird_ms_from_intervals
from tests.farm import HOUR, T0, Farm
from tests.test_history_property import run_commands


def _places(farm: Farm) -> list[str | None]:
    return [None, *(r[0] for r in farm.db.execute("SELECT id FROM locations ORDER BY 1"))]


def _assert_both_agree(farm: Farm, bounds: list[int]) -> None:
    for place in _places(farm):
        assert bird_ms_by_day(farm.db, place, bounds) == bird_ms_from_intervals(
            farm.db, place, bounds
        ), place


@settings(max_examples=25)
@given(data=st.data())
def test_day_sums_equal_the_intervals_on_any_history(data):
    with tempfile.TemporaryDirectory() as tmp:
        farm = Farm(Path(tmp) / "farm.db")
        try:
            run_commands(farm, data, most=25)
            # Days of uneven lengths, starting before, inside and after the history; each
            # bound at a whole hour or anywhere inside one (a window's end, a :30 zone).
            inside = st.one_of(st.just(0), st.integers(1, HOUR - 1))
            first = T0 + data.draw(st.integers(-30, 50), label="first hour") * HOUR
            bounds = [first + data.draw(inside, label="first offset")]
            lengths = data.draw(st.lists(st.integers(0, 30), min_size=1, max_size=6))
            for hours in lengths:
                bounds.append(bounds[-1] + hours * HOUR + data.draw(inside, label="offset"))
            _assert_both_agree(farm, bounds)
        finally:
            farm.close()


def test_times_inside_hours_and_an_open_end(tmp_path):
    """A cohort of 3 females and 1 male at Strip 1 at 00:17:05.123, two females moved to Strip 2
    at 05:42:00.001, one of them made juvenile at 07:00:30, the other killed by a predator at
    09:59:59.999; the intervals end inside hours or stay open."""
    farm = Farm(tmp_path / "farm.db")
    try:
        strip2 = farm.location_id("Strip 2")
        start = T0 + 17 * 60_000 + 5_123
        females = farm.cohort("Strip 1", 3, start)
        farm.cohort("Strip 1", 1, start, sex="male")
        moved = sorted(females)[:2]
        farm.animals.move_animals(
            build_payload(AnimalMovedPayload, resolved_ids=moved, to_location_id=strip2),
            T0 + 5 * HOUR + 42 * 60_000 + 1,
            "ppetru",
        )
        farm.animals.update_attributes(
            build_payload(
                AnimalAttributesUpdatedPayload,
                resolved_ids=moved[:1],
                set={"life_stage": "juvenile"},
            ),
            T0 + 7 * HOUR + 30_000,
            "ppetru",
        )
        farm.animals.record_outcome(
            build_payload(AnimalOutcomePayload, resolved_ids=moved[1:], outcome="predator"),
            T0 + 10 * HOUR - 1,
            "ppetru",
        )
        for bounds in (
            [T0, T0 + DAY_MS],
            [T0 - 2 * HOUR, T0 + HOUR, T0 + 6 * HOUR, T0 + 8 * HOUR, T0 + 30 * HOUR],
            [T0 + 6 * HOUR, T0 + 9 * HOUR, T0 + 10 * HOUR, T0 + 11 * HOUR],
        ):
            _assert_both_agree(farm, bounds)
        # By hand, Strip 2 over [T0, T0 + 1 day): the two females from 05:42:00.001, one until
        # 09:59:59.999 (the predator), the other all day; layer time ends for the juvenile at
        # 07:00:30.
        arrive = 5 * HOUR + 42 * 60_000 + 1
        all_ms, layer_ms = bird_ms_by_day(farm.db, strip2, [T0, T0 + DAY_MS])
        assert all_ms == [(10 * HOUR - 1 - arrive) + (DAY_MS - arrive)]
        assert layer_ms == [(10 * HOUR - 1 - arrive) + (7 * HOUR + 30_000 - arrive)]
        assert bird_ms_by_day(farm.db, None, [T0, T0 + DAY_MS])[0] == [
            # 4 birds from the start, less the predator's victim from 10:00 on.
            4 * (DAY_MS - 17 * 60_000 - 5_123) - (DAY_MS - (10 * HOUR - 1))
        ]
    finally:
        farm.close()


def test_a_zone_whose_midnights_are_not_whole_hours(tmp_path):
    """Asia/Kolkata is UTC+05:30: its days begin half-way through a UTC hour, which the
    series reads piece by piece."""
    farm = Farm(tmp_path / "farm.db")
    try:
        farm.animals.create_cohort(
            build_payload(
                AnimalCohortCreatedPayload,
                species="duck",
                count=2,
                life_stage="adult",
                sex="female",
                location_id=farm.location_id("Strip 1"),
            ),
            T0,
            "ppetru",
        )
        # 2026-01-01 in Kolkata begins at 2025-12-31T18:30Z: the ducks arrive 5.5 hours into it.
        series = get_daily_series(farm.db, None, date(2026, 1, 1), date(2026, 1, 2), "Asia/Kolkata")
        assert [str(d) for d in series.bird_days] == ["1.54", "2.00"]  # 2 × 18.5 h = 37 h
    finally:
        farm.close()
