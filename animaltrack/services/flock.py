"""The flock's figures for dashboards (SPEC §10.3): laying rate, feed per dozen, mortality, feed
stock days left, and the daily series of a chart.

The egg, feed, cost and bird-time figures are those of `get_egg_stats` (one definition each,
in `animaltrack.services.stats`), over the same window `[at - window_days, at)`; with no location
they cover the whole farm, every location's bird time and feed summed, never averaged.

Choices where the SPEC is silent:
- **mortality** counts the animals of every live `AnimalOutcome` whose outcome is death, predator
  or unknown with a time in the window, at the location they were at when it happened (their
  last location interval starting before it); the divisor is every animal with a location
  interval there overlapping the window. A death by a status correction is not an outcome and
  does not count. None when no animal was there.
- **feed stock days left** divides each feed type's balance at `at` (purchases before `at` minus
  feed given before `at`, farm-wide, in kg) by the farm's average feed given of that type per day
  of the window; None when none of it was given in the window, 0 when the balance is not
  positive. Every feed type with a purchase or a feed given before `at` is listed.
- the **daily series** takes each local day of the farm's time zone (midnight to midnight, 23 or
  25 hours on a daylight-saving change); bird time is split at those midnights exactly (read
  from the bird time projection, `animaltrack.projections.bird_time`, whatever the zone's
  offset). Bird time counts the open intervals up to the day's end, even past now: a day not
  over yet shows the birds present for the whole day.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from animaltrack.errors import ValidationError
from animaltrack.events import types as t
from animaltrack.projections.bird_time import bird_ms_by_day
from animaltrack.projections.intervals import location_intervals_overlapping
from animaltrack.projections.locations import get_location
from animaltrack.services.stats import (
    DEFAULT_TIMEZONE,
    EGG_PRODUCTS_SQL,
    MAX_SERIES_DAYS,
    PRICE_SQL,
    EggStats,
    at_location,
    get_egg_stats,
    laying_rate_pct,
    local_midnight_ms,
    ms_to_days,
    round_ratio,
    zone,
)
from store.migrations import END_OF_TIME_UTC

# Outcomes that are a loss of the flock rather than a use of it (harvest, sale).
MORTALITY_OUTCOMES = ("death", "predator", "unknown")


@dataclass(frozen=True)
class FeedDaysLeft:
    """How long one feed type's stock lasts at the window's pace of feeding."""

    feed_type_code: str
    balance_kg: int
    given_in_window_kg: int
    average_daily_given_kg: Decimal
    days_left: Decimal | None


@dataclass(frozen=True)
class FlockFigures:
    """The dashboard figures of a location (None: the whole farm) over one window."""

    stats: EggStats
    deaths: int
    animals_present: int
    feed_stock: tuple[FeedDaysLeft, ...]

    @property
    def laying_rate_pct(self) -> Decimal | None:
        return self.stats.laying_rate_pct

    @property
    def mortality_pct(self) -> Decimal | None:
        """Deaths per 100 animals present in the window, to 0.1 (None when none were)."""
        if not self.animals_present:
            return None
        return round_ratio(self.deaths * 100, self.animals_present, 1)


def get_flock_figures(
    db, location_id: str | None, ts_utc: int, window_days: int = 30
) -> FlockFigures:
    """The flock's figures over `[ts_utc - window_days, ts_utc)`, at a location or farm-wide."""
    stats = get_egg_stats(db, location_id, ts_utc, window_days)
    start, end, location = stats.window_start_utc, stats.window_end_utc, stats.location_id
    deaths, present = mortality_counts(db, location, start, end)
    return FlockFigures(stats, deaths, present, feed_days_left(db, start, end, window_days))


_PRESENT_SQL = f"""
SELECT COUNT(DISTINCT l.animal_id)
FROM {location_intervals_overlapping("l", ":start", ":end")}
WHERE COALESCE(l.end_utc, {END_OF_TIME_UTC}) > :start AND l.start_utc < :end {{where}}
"""

_DEATHS_SQL = """
SELECT COUNT(DISTINCT a.animal_id)
FROM events AS e JOIN event_animals AS a ON a.event_id = e.id
WHERE e.type = :type AND e.ts_utc >= :start AND e.ts_utc < :end
  AND json_extract(e.payload, '$.outcome') IN (SELECT value FROM json_each(:outcomes))
  AND NOT EXISTS (SELECT 1 FROM event_tombstones AS d WHERE d.target_event_id = e.id)
  {where}
"""

# Where the animal was when it died: its last location interval starting before the outcome.
_DIED_AT = """AND (SELECT l.location_id FROM animal_location_intervals AS l
  WHERE l.animal_id = a.animal_id AND l.start_utc < e.ts_utc
  ORDER BY l.start_utc DESC LIMIT 1) = :location"""


def mortality_counts(db, location_id: str | None, start: int, end: int) -> tuple[int, int]:
    """(animals lost to death, predator or unknown in `[start, end)`, animals present at the
    location — None: anywhere on the farm — at any time in it)."""
    params = {
        "start": start,
        "end": end,
        "location": location_id,
        "type": t.ANIMAL_OUTCOME,
        "outcomes": json.dumps(MORTALITY_OUTCOMES),
    }
    died_at = "" if location_id is None else _DIED_AT
    (deaths,) = db.execute(_DEATHS_SQL.format(where=died_at), params).fetchone()
    present_sql = _PRESENT_SQL.format(where=at_location("l", location_id))
    (present,) = db.execute(present_sql, params).fetchone()
    return deaths, present


def feed_days_left(db, start: int, end: int, window_days: int) -> tuple[FeedDaysLeft, ...]:
    """Each feed type's balance at `end` (farm-wide) over its average daily feed given in
    `[start, end)`."""
    rows = db.execute(
        """
        WITH bought AS (
          SELECT feed_type_code AS code, SUM(purchased_kg) AS kg FROM feed_prices
          WHERE ts_utc < :end GROUP BY feed_type_code),
        given AS (
          SELECT feed_type_code AS code, SUM(amount_kg) AS kg,
                 SUM(CASE WHEN ts_utc >= :start THEN amount_kg ELSE 0 END) AS recent
          FROM feed_given WHERE ts_utc < :end GROUP BY feed_type_code),
        codes AS (SELECT code FROM bought UNION SELECT code FROM given)
        SELECT c.code, COALESCE(b.kg, 0) - COALESCE(g.kg, 0), COALESCE(g.recent, 0)
        FROM codes AS c LEFT JOIN bought AS b ON b.code = c.code
        LEFT JOIN given AS g ON g.code = c.code
        ORDER BY c.code
        """,
        {"start": start, "end": end},
    ).fetchall()
    return tuple(
        FeedDaysLeft(
            feed_type_code=code,
            balance_kg=balance,
            given_in_window_kg=recent,
            average_daily_given_kg=round_ratio(recent, window_days, 3),
            days_left=_days_left(balance, recent, window_days),
        )
        for code, balance, recent in rows
    )


def _days_left(balance_kg: int, given_kg: int, window_days: int) -> Decimal | None:
    """balance ÷ (given ÷ window_days), half up to 0.1; None when nothing was given."""
    if not given_kg:
        return None
    return round_ratio(max(balance_kg, 0) * window_days, given_kg, 1)


# -- the daily series --------------------------------------------------------------------------


@dataclass(frozen=True)
class DailySeries:
    """One entry per local day in each column, in day order."""

    location_id: str | None
    days: tuple[date, ...]
    eggs: tuple[int, ...]
    feed_given_g: tuple[int, ...]
    feed_cost_cents: tuple[int, ...]
    bird_days: tuple[Decimal, ...]
    layer_eligible_bird_days: tuple[Decimal, ...]
    laying_rate_pct: tuple[Decimal | None, ...]


def get_daily_series(
    db, location_id: str | None, first: date, last: date, tz: str = DEFAULT_TIMEZONE
) -> DailySeries:
    """The flock's figures per local calendar day of `tz` from `first` to `last` inclusive."""
    if last < first:
        raise ValidationError("The series must end on or after the day it starts.", field="to")
    count = (last - first).days + 1
    if count > MAX_SERIES_DAYS:
        raise ValidationError(
            f"A daily series covers at most {MAX_SERIES_DAYS} days; ask for a shorter range.",
            field="to",
        )
    zone_ = zone(tz)
    location = None if location_id is None else get_location(db, location_id).id
    days = [first + timedelta(days=n) for n in range(count)]
    # The local midnights from the first day's start to the last day's end (count + 1 of them).
    bounds = [local_midnight_ms(day, zone_) for day in days] + [
        local_midnight_ms(last + timedelta(days=1), zone_)
    ]
    params = {"location": location, "start": bounds[0], "end": bounds[-1]}
    eggs = _bucket_sums(db, _EGG_ROWS_SQL.format(where=at_location("l", location)), params, bounds)
    feed = _bucket_sums(db, _FEED_ROWS_SQL.format(where=at_location("g", location)), params, bounds)
    all_ms, layer_ms = bird_ms_by_day(db, location, bounds)
    bird_days = tuple(ms_to_days(ms) for ms in all_ms)
    layer_days = tuple(ms_to_days(ms) for ms in layer_ms)
    return DailySeries(
        location_id=location,
        days=tuple(days),
        eggs=tuple(e[0] for e in eggs),
        feed_given_g=tuple(f[0] * 1000 for f in feed),
        feed_cost_cents=tuple(f[1] for f in feed),
        bird_days=bird_days,
        layer_eligible_bird_days=layer_days,
        laying_rate_pct=tuple(
            laying_rate_pct(e[0], d) for e, d in zip(eggs, layer_days, strict=True)
        ),
    )


_EGG_ROWS_SQL = f"""
SELECT l.ts_utc, SUM(l.quantity) FROM product_ledger AS l
WHERE l.entry = 'collected' {{where}} AND l.product_code IN ({EGG_PRODUCTS_SQL})
  AND l.ts_utc >= :start AND l.ts_utc < :end
GROUP BY l.ts_utc
"""

_FEED_ROWS_SQL = f"""
SELECT g.ts_utc, SUM(g.amount_kg), SUM(g.amount_kg * {PRICE_SQL}) FROM feed_given AS g
WHERE g.ts_utc >= :start AND g.ts_utc < :end {{where}}
GROUP BY g.ts_utc
"""


def _bucket_sums(db, sql: str, params: dict, bounds: list[int]) -> list[list[int]]:
    """Per day `[bounds[k], bounds[k + 1])`, the sums of the figures of rows
    `(ts_utc, figure…)`."""
    cursor = db.execute(sql, params)
    totals = [[0] * (len(cursor.description) - 1) for _ in bounds[:-1]]
    for ts, *figures in cursor:
        day = totals[bisect.bisect_right(bounds, ts) - 1]
        for i, value in enumerate(figures):
            day[i] += value or 0
    return totals
