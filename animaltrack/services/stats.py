"""Egg and feed statistics per location (SPEC §10.1) and the daily egg series for charts (§10.2).

These are read models: plain SQL over the projection tables documented in `store/migrations.py`
(`product_ledger`, `feed_given`, `feed_prices`, `animal_location_intervals`,
`animal_attr_intervals`, `animal_registry`), never a fold of the log. Projection tables hold only
live events at their latest version, so tombstoned and superseded events are already left out.
Every figure is computed in integers (milliseconds, grams, cents) and rounded once, half up, at
the end, so nothing drifts with floating point.

**The window** is `[ts_utc - window_days × 86 400 000, ts_utc)`: an event at exactly the window's
start counts, one at exactly `ts_utc` does not.

**Bird time.** An animal's time at a location in the window is the overlap of its location
intervals there with the window: `max(starts)` to `min(ends)`, an open interval ending at
`END_OF_TIME_UTC`. Its layer-eligible time is the part of that overlap where it was at the same
time adult (`life_stage`), female (`sex`) and alive (`status`), each read from
`animal_attr_intervals`, and of the species of an egg product (from `animal_registry`; with
several egg products, any of their species). Intervals of one animal and attribute never overlap,
so summing the positive overlap of every combination of one interval per attribute counts each
millisecond exactly once.

These sums are read from the bird time projection (`animaltrack.projections.bird_time`): the
hours a window covers whole, the pieces of the hours its ends cut, so a farm-wide month costs
a few thousand projection rows rather than every span of the month. `tests/bird_time_reference.py`
computes them from the intervals alone, to test the projection against.

Choices where the SPEC is silent:
- a `FeedGiven` with no purchase of its type at or before it (possible only after history was
  rewritten) is priced at 0 and still counts in `feed_total_g`;
- the extra ratios (`eggs_per_layer_per_day`, `feed_per_bird_per_day_g`,
  `feed_cost_per_bird_per_day_eur`) are computed from the rounded day figures shown beside them,
  so a reader can check them by hand; they are None when their divisor is zero;
- the daily series covers every local day that overlaps `[start_ts, end_ts)`, days without eggs
  included (0), the first and last clipped to the range.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from animaltrack.errors import ValidationError
from animaltrack.projections.bird_time import LAYER_ATTRS, bird_ms_by_day
from animaltrack.projections.intervals import location_intervals_overlapping
from animaltrack.projections.locations import get_location
from store.migrations import END_OF_TIME_UTC

DAY_MS = 86_400_000
DEFAULT_TIMEZONE = "Europe/Lisbon"
# A chart of daily eggs covers at most about ten years.
MAX_SERIES_DAYS = 3_660

_EOT = END_OF_TIME_UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- exact arithmetic --------------------------------------------------------------------------


def round_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """`numerator / denominator` rounded half up (away from zero) to `places` decimals, exactly.

    >>> round_ratio(6000, 13, 2), round_ratio(3322800, 7200000, 3)
    (Decimal('461.54'), Decimal('0.462'))
    """
    if denominator == 0:
        raise ZeroDivisionError("round_ratio with a zero denominator")
    negative = (numerator < 0) != (denominator < 0)
    quotient, remainder = divmod(abs(numerator) * 10**places, abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return Decimal(-quotient if negative else quotient).scaleb(-places)


def ms_to_days(ms: int) -> Decimal:
    """Milliseconds as days, rounded half up to 0.01."""
    return round_ratio(ms, DAY_MS, 2)


def check_ms(value: int, field: str) -> int:
    """Refuse a time that is not a whole number of milliseconds."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError("The time must be a whole number of milliseconds.", field=field)
    return value


def window_bounds(ts_utc: int, window_days: int) -> tuple[int, int]:
    """`[ts_utc - window_days days, ts_utc)`, after checking both arguments."""
    check_ms(ts_utc, "ts_utc")
    if not isinstance(window_days, int) or isinstance(window_days, bool) or window_days < 1:
        raise ValidationError(
            f"The window must be a whole number of days, at least 1 (got {window_days!r}).",
            field="window_days",
        )
    return ts_utc - window_days * DAY_MS, ts_utc


def at_location(alias: str, location_id: str | None) -> str:
    """An SQL condition keeping the rows of `alias` at the location (`:location`); none when
    `location_id` is None, which means the whole farm: every location summed."""
    return "" if location_id is None else f"AND {alias}.location_id = :location"


# -- egg statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EggStats:
    """The egg, feed and cost figures of one location (or, `location_id` None, of the whole
    farm) over one window (SPEC §10.1)."""

    location_id: str | None
    window_start_utc: int
    window_end_utc: int
    eggs_total_pcs: int
    feed_total_g: int
    feed_layers_g: int
    feed_cost_cents: int
    cost_per_egg_all_eur: Decimal | None
    cost_per_egg_layers_eur: Decimal | None
    bird_days: Decimal
    layer_eligible_bird_days: Decimal
    layer_eligible_count_now: int

    @property
    def eggs_per_layer_per_day(self) -> Decimal | None:
        """Eggs per layer-eligible bird-day, to 0.001 (None without layer time)."""
        return eggs_per_layer_day(self.eggs_total_pcs, self.layer_eligible_bird_days)

    @property
    def laying_rate_pct(self) -> Decimal | None:
        """Hen-day laying rate: eggs per 100 layer-eligible bird-days, to 0.1 (None without
        layer time)."""
        return laying_rate_pct(self.eggs_total_pcs, self.layer_eligible_bird_days)

    @property
    def feed_per_dozen_eggs_kg(self) -> Decimal | None:
        """Kilograms of feed given per 12 eggs, to 0.001 (None without eggs)."""
        if not self.eggs_total_pcs:
            return None
        return round_ratio(self.feed_total_g * 12, 1000 * self.eggs_total_pcs, 3)

    @property
    def feed_per_bird_per_day_g(self) -> Decimal | None:
        """Grams of feed per bird-day (all birds), to 0.01 (None without bird time)."""
        centidays = int(self.bird_days * 100)
        return round_ratio(self.feed_total_g * 100, centidays, 2) if centidays else None

    @property
    def feed_cost_per_bird_per_day_eur(self) -> Decimal | None:
        """Feed cost in euros per bird-day (all birds), to 0.001 (None without bird time)."""
        centidays = int(self.bird_days * 100)
        return round_ratio(self.feed_cost_cents, centidays, 3) if centidays else None


def eggs_per_layer_day(eggs: int, layer_days: Decimal) -> Decimal | None:
    """Eggs ÷ layer-eligible bird-days (the rounded figure shown beside it), half up to 0.001;
    None without layer time."""
    centidays = int(layer_days * 100)
    return round_ratio(eggs * 100, centidays, 3) if centidays else None


def laying_rate_pct(eggs: int, layer_days: Decimal) -> Decimal | None:
    """Hen-day laying rate, eggs ÷ layer-eligible bird-days × 100 (the rounded day figure),
    half up to 0.1; None without layer time."""
    centidays = int(layer_days * 100)
    return round_ratio(eggs * 100 * 100, centidays, 1) if centidays else None


@dataclass(frozen=True)
class BirdTime:
    """Milliseconds of bird time at a location in a window, all birds and layer-eligible."""

    all_ms: int
    layer_ms: int


def get_egg_stats(db, location_id: str | None, ts_utc: int, window_days: int = 30) -> EggStats:
    """Egg, feed and cost statistics of a location over `[ts_utc - window_days, ts_utc)`; of
    the whole farm (every location summed) when `location_id` is None."""
    start, end = window_bounds(ts_utc, window_days)
    location = None if location_id is None else get_location(db, location_id).id
    eggs = eggs_collected(db, location, start, end)
    feed_g, cost_cents = feed_given_totals(db, location, start, end)
    species = egg_species(db)
    time_ = bird_time(db, location, start, end)
    feed_layers_g = feed_g * time_.layer_ms // time_.all_ms if time_.all_ms else 0
    cost_all = round_ratio(cost_cents, 100 * eggs, 3) if eggs else None
    cost_layers = (
        round_ratio(cost_cents * feed_layers_g, 100 * feed_g * eggs, 3) if eggs and feed_g else None
    )
    return EggStats(
        location_id=location,
        window_start_utc=start,
        window_end_utc=end,
        eggs_total_pcs=eggs,
        feed_total_g=feed_g,
        feed_layers_g=feed_layers_g,
        feed_cost_cents=cost_cents,
        cost_per_egg_all_eur=cost_all,
        cost_per_egg_layers_eur=cost_layers,
        bird_days=ms_to_days(time_.all_ms),
        layer_eligible_bird_days=ms_to_days(time_.layer_ms),
        layer_eligible_count_now=layer_eligible_count(db, location, ts_utc, species),
    )


def egg_species(db) -> list[str]:
    """The species of the egg products: whose females lay."""
    rows = db.execute(
        "SELECT DISTINCT species_code FROM products"
        " WHERE kind = 'egg' AND species_code IS NOT NULL ORDER BY species_code"
    ).fetchall()
    return [r[0] for r in rows]


EGG_PRODUCTS_SQL = "SELECT code FROM products WHERE kind = 'egg'"


def eggs_collected(db, location_id: str | None, start: int, end: int) -> int:
    """Pieces of egg products collected at the location (None: anywhere) in `[start, end)`."""
    (total,) = db.execute(
        f"""
        SELECT COALESCE(SUM(l.quantity), 0) FROM product_ledger AS l
        WHERE l.entry = 'collected' {at_location("l", location_id)}
          AND l.product_code IN ({EGG_PRODUCTS_SQL})
          AND l.ts_utc >= :start AND l.ts_utc < :end
        """,
        {"location": location_id, "start": start, "end": end},
    ).fetchone()
    return total


# The price per kg (cents) of a `feed_given` row `g`: the latest purchase of its type at or before.
PRICE_SQL = """(
  SELECT p.price_per_kg_cents FROM feed_prices AS p
  WHERE p.feed_type_code = g.feed_type_code AND p.ts_utc <= g.ts_utc
  ORDER BY p.ts_utc DESC, p.event_id DESC LIMIT 1)"""


def feed_given_totals(db, location_id: str | None, start: int, end: int) -> tuple[int, int]:
    """(grams, cents) of the feed given at the location (None: anywhere) in `[start, end)`.

    Each `FeedGiven` is priced at the `price_per_kg_cents` of the latest purchase of its feed
    type at or before its `ts_utc` (equal times: the later event id), then summed.
    """
    grams, cents = db.execute(
        f"""
        SELECT COALESCE(SUM(g.amount_kg), 0) * 1000, COALESCE(SUM(g.amount_kg * {PRICE_SQL}), 0)
        FROM feed_given AS g
        WHERE g.ts_utc >= :start AND g.ts_utc < :end {at_location("g", location_id)}
        """,
        {"location": location_id, "start": start, "end": end},
    ).fetchone()
    return grams, cents


def bird_time(db, location_id: str | None, start: int, end: int) -> BirdTime:
    """All and layer-eligible bird time at the location (None: every location, summed) in
    `[start, end)`, in ms, read from the bird time projection (`animaltrack.projections.
    bird_time`, which takes the egg species from the products as `egg_species` does)."""
    (all_ms,), (layer_ms,) = bird_ms_by_day(db, location_id, [start, end])
    return BirdTime(all_ms, layer_ms)


def _covers(alias: str, attr: str, value: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM animal_attr_intervals AS {alias}"
        f" WHERE {alias}.animal_id = l.animal_id AND {alias}.attr = '{attr}'"
        f" AND +{alias}.value = '{value}' AND {alias}.start_utc <= :ts"
        f" AND COALESCE({alias}.end_utc, {_EOT}) > :ts)"
    )


_COUNT_NOW_SQL = f"""
SELECT COUNT(*) FROM {location_intervals_overlapping("l", ":ts", ":ts + 1")}
JOIN animal_registry AS r ON r.animal_id = l.animal_id
WHERE COALESCE(l.end_utc, {_EOT}) > :ts AND l.start_utc <= :ts {{where}}
  AND r.species IN (SELECT value FROM json_each(:species))
  AND {" AND ".join(_covers(f"a{i}", attr, value) for i, (attr, value) in enumerate(LAYER_ATTRS))}
"""


_COUNT_LIVE_SQL = """
SELECT COUNT(*) FROM live_animals_by_location AS l
WHERE species IN (SELECT value FROM json_each(:species))
  AND sex = 'female' AND life_stage = 'adult' {where}
"""


def layer_eligible_count(
    db, location_id: str | None, ts_utc: int, species: list[str] | None = None
) -> int:
    """Live layer-eligible animals (adult, female, of an egg species) at the location at ts.

    When no event lies after ts, the live roster is the state at ts and is read directly (the
    dashboard's case); otherwise the intervals covering ts are read.
    """
    species = egg_species(db) if species is None else species
    params = {"location": location_id, "ts": ts_utc, "species": json.dumps(species)}
    (latest,) = db.execute("SELECT MAX(ts_utc) FROM events").fetchone()
    sql = _COUNT_LIVE_SQL if latest is None or ts_utc >= latest else _COUNT_NOW_SQL
    (count,) = db.execute(sql.format(where=at_location("l", location_id)), params).fetchone()
    return count


# -- the daily egg series ----------------------------------------------------------------------


def zone(tz: str) -> ZoneInfo:
    """The time zone named `tz`, or a clear refusal."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            f"'{tz}' is not a known time zone (use a name like Europe/Lisbon).", field="tz"
        ) from error


def local_midnight_ms(day: date, tz: ZoneInfo) -> int:
    """The instant (ms) the local calendar day `day` begins in `tz`."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    return (midnight - _EPOCH) // timedelta(milliseconds=1)


def local_day_bounds(day: date, tz: str = DEFAULT_TIMEZONE) -> tuple[int, int]:
    """`[start, end)` in ms of the local calendar day; 23 or 25 hours long on DST days."""
    zone_ = zone(tz)
    return local_midnight_ms(day, zone_), local_midnight_ms(day + timedelta(days=1), zone_)


def local_date(ts_utc: int, tz: ZoneInfo) -> date:
    return (_EPOCH + timedelta(milliseconds=ts_utc)).astimezone(tz).date()


def daily_egg_series(
    db, location_id: str, start_ts: int, end_ts: int, tz: str = DEFAULT_TIMEZONE
) -> list[tuple[date, int]]:
    """Eggs collected at the location per local calendar day over `[start_ts, end_ts)`.

    One `(day, pieces)` per local day from the day of `start_ts` to the day of `end_ts - 1`,
    each day running from local midnight to local midnight (23 or 25 hours on DST changes),
    clipped to the range; days without eggs give 0.
    """
    check_ms(start_ts, "start_ts")
    check_ms(end_ts, "end_ts")
    if end_ts < start_ts:
        raise ValidationError("The series must end after it starts.", field="end_ts")
    zone_ = zone(tz)
    location = get_location(db, location_id).id
    if end_ts == start_ts:
        return []
    first, last = local_date(start_ts, zone_), local_date(end_ts - 1, zone_)
    count = (last - first).days + 1
    if count > MAX_SERIES_DAYS:
        raise ValidationError(
            f"A daily series covers at most {MAX_SERIES_DAYS} days; ask for a shorter range.",
            field="end_ts",
        )
    days = [first + timedelta(days=n) for n in range(count)]
    # Boundaries between consecutive days: the local midnights strictly inside the range.
    boundaries = [local_midnight_ms(day, zone_) for day in days[1:]]
    totals = [0] * count
    rows = db.execute(
        f"""
        SELECT l.ts_utc, SUM(l.quantity) FROM product_ledger AS l
        WHERE l.location_id = :location AND l.entry = 'collected'
          AND l.product_code IN ({EGG_PRODUCTS_SQL})
          AND l.ts_utc >= :start AND l.ts_utc < :end
        GROUP BY l.ts_utc
        """,
        {"location": location, "start": start_ts, "end": end_ts},
    )
    for ts, pieces in rows:
        totals[bisect.bisect_right(boundaries, ts)] += pieces
    return list(zip(days, totals, strict=True))
