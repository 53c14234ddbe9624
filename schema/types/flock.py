"""The flock's figures for dashboards (SPEC §10.3): one window's figures, and a daily series
of a chart as columns (one array per figure, one entry per local day), so a year is one small
response.

Built from `animaltrack.services.flock`; every figure is computed there (and the egg, feed and
bird-time figures in `animaltrack.services.stats`, shared with `EggStats`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from animaltrack.services import flock
from schema.scalars import DateTime, Long


@strawberry.type(description="How long the farm's stock of one feed type lasts at the recent pace.")
class FeedDaysLeft:
    feed_type_code: str = strawberry.field(description="The feed type's code, e.g. `layer`.")
    balance_kg: Long = strawberry.field(
        description="Kilograms in stock at the window's end, farm-wide: bought minus given"
        " before it (negative when more was given than bought)."
    )
    given_in_window_kg: Long = strawberry.field(
        description="Kilograms of it given anywhere on the farm during the window."
    )
    average_daily_given_kg: Decimal = strawberry.field(
        description="The kilograms given in the window divided by its days, rounded half up to"
        " 0.001."
    )
    days_left: Decimal | None = strawberry.field(
        description="Balance ÷ average daily feed given: the days the stock lasts at that pace,"
        " rounded half up to 0.1; 0.0 when nothing is left; null when none was given in the"
        " window."
    )

    @classmethod
    def from_record(cls, record: flock.FeedDaysLeft) -> FeedDaysLeft:
        return cls(
            feed_type_code=record.feed_type_code,
            balance_kg=record.balance_kg,
            given_in_window_kg=record.given_in_window_kg,
            average_daily_given_kg=record.average_daily_given_kg,
            days_left=record.days_left,
        )


@strawberry.type(
    description="What a poultry keeper reads on a dashboard: laying, feed, cost and losses of"
    " one location, or of the whole farm, over the window [windowStart, windowEnd). Farm-wide,"
    " every location's bird time and feed are added up, never averaged. Decimals are rounded"
    " half up."
)
class FlockFigures:
    location_id: strawberry.ID | None = strawberry.field(
        description="The location the figures are about; null for the whole farm."
    )
    window_start: DateTime = strawberry.field(description="First instant of the window.")
    window_end: DateTime = strawberry.field(
        description="The window's end, not included: the `at` asked for."
    )
    eggs: Long = strawberry.field(description="Eggs collected in the window, in pieces.")
    bird_days: Decimal = strawberry.field(
        description="Days spent there by every bird in the window, summed (to 0.01)."
    )
    layer_eligible_bird_days: Decimal = strawberry.field(
        description="Days spent there by birds that could lay (alive, adult, female, of a"
        " laying species), summed (to 0.01)."
    )
    laying_rate_pct: Decimal | None = strawberry.field(
        description="Hen-day laying rate: eggs ÷ layer-eligible bird-days × 100, in percent to"
        " 0.1; null without layer-eligible birds."
    )
    eggs_per_layer_per_day: Decimal | None = strawberry.field(
        description="Eggs ÷ layer-eligible bird-days, to 0.001; null without layer-eligible birds."
    )
    feed_given_g: Long = strawberry.field(description="Grams of feed given in the window.")
    feed_per_dozen_eggs_kg: Decimal | None = strawberry.field(
        description="Kilograms of feed given per 12 eggs collected, to 0.001; null without eggs."
    )
    feed_cost_cents: Long = strawberry.field(
        description="What the feed given cost, in euro cents, each feeding priced at the latest"
        " purchase of its feed type before it."
    )
    cost_per_egg_all_eur: Decimal | None = strawberry.field(
        description="Feed cost in euros per egg, all birds' feed counted, to 0.001; null"
        " without eggs."
    )
    cost_per_egg_layers_eur: Decimal | None = strawberry.field(
        description="Feed cost in euros per egg, counting only the layer-eligible birds' share"
        " of the feed (by bird time), to 0.001; null without eggs or without feed."
    )
    deaths: int = strawberry.field(
        description="Animals lost in the window to death, a predator or an unknown cause"
        " (harvests and sales are not losses)."
    )
    animals_present: int = strawberry.field(
        description="Animals that were there at any time in the window."
    )
    mortality_pct: Decimal | None = strawberry.field(
        description="deaths ÷ animalsPresent × 100, in percent to 0.1; null when no animal was"
        " there."
    )
    feed_stock: list[FeedDaysLeft] = strawberry.field(
        description="Every feed type bought or given before the window's end, by code, with the"
        " days its farm-wide stock lasts at the farm's pace of feeding during the window."
    )

    @classmethod
    def from_figures(cls, figures: flock.FlockFigures) -> FlockFigures:
        s = figures.stats
        return cls(
            location_id=None if s.location_id is None else strawberry.ID(s.location_id),
            window_start=s.window_start_utc,
            window_end=s.window_end_utc,
            eggs=s.eggs_total_pcs,
            bird_days=s.bird_days,
            layer_eligible_bird_days=s.layer_eligible_bird_days,
            laying_rate_pct=s.laying_rate_pct,
            eggs_per_layer_per_day=s.eggs_per_layer_per_day,
            feed_given_g=s.feed_total_g,
            feed_per_dozen_eggs_kg=s.feed_per_dozen_eggs_kg,
            feed_cost_cents=s.feed_cost_cents,
            cost_per_egg_all_eur=s.cost_per_egg_all_eur,
            cost_per_egg_layers_eur=s.cost_per_egg_layers_eur,
            deaths=figures.deaths,
            animals_present=figures.animals_present,
            mortality_pct=figures.mortality_pct,
            feed_stock=[FeedDaysLeft.from_record(r) for r in figures.feed_stock],
        )


@strawberry.type(
    description="The flock's figures per local calendar day, as columns: entry i of every"
    " array is about `days[i]`. A day runs from local midnight to local midnight in the farm's"
    " time zone, so it is 23 or 25 hours long on a daylight-saving change, and its bird-days"
    " say so."
)
class DailySeries:
    location_id: strawberry.ID | None = strawberry.field(
        description="The location the series is about; null for the whole farm."
    )
    time_zone: str = strawberry.field(
        description="The farm's time zone the days are counted in, e.g. Europe/Lisbon."
    )
    days: list[datetime.date] = strawberry.field(
        description="Each local calendar day from `from` to `to`, in order."
    )
    eggs: list[Long] = strawberry.field(description="Eggs collected each day, in pieces.")
    feed_given_g: list[Long] = strawberry.field(description="Grams of feed given each day.")
    feed_cost_cents: list[Long] = strawberry.field(
        description="What each day's feed cost, in euro cents."
    )
    bird_days: list[Decimal] = strawberry.field(
        description="Each day's bird time in days, every bird counted (to 0.01): 10 birds all"
        " day make 10.00, or 9.58 on a 23-hour day."
    )
    layer_eligible_bird_days: list[Decimal] = strawberry.field(
        description="Each day's bird time of the birds that could lay, in days (to 0.01)."
    )
    laying_rate_pct: list[Decimal | None] = strawberry.field(
        description="Each day's hen-day laying rate in percent (to 0.1); null on a day without"
        " layer-eligible birds."
    )

    @classmethod
    def from_series(cls, series: flock.DailySeries, tz: str) -> DailySeries:
        return cls(
            location_id=None if series.location_id is None else strawberry.ID(series.location_id),
            time_zone=tz,
            days=list(series.days),
            eggs=list(series.eggs),
            feed_given_g=list(series.feed_given_g),
            feed_cost_cents=list(series.feed_cost_cents),
            bird_days=list(series.bird_days),
            layer_eligible_bird_days=list(series.layer_eligible_bird_days),
            laying_rate_pct=list(series.laying_rate_pct),
        )
