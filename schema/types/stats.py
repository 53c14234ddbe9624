"""Statistics (SPEC §10): egg and feed figures per location, and the feed inventory.

Sums of grams, cents, kilograms and eggs are `Long`: over a window or a farm's life they can
pass GraphQL `Int`'s 2^31, and a read model must never fail for everyone because of one big
(accepted) entry.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from animaltrack.services import readmodels
from animaltrack.services.stats import DEFAULT_TIMEZONE
from schema import arguments
from schema.scalars import DateTime, Long
from schema.types.reference import FeedType

if TYPE_CHECKING:
    from schema.types.locations import Location

LocationType = Annotated["Location", strawberry.lazy("schema.types.locations")]


@strawberry.type(description="Eggs collected on one local calendar day.")
class DailyEggs:
    day: datetime.date
    eggs: Long


@strawberry.type(
    description="Eggs, feed and bird time at a location over [windowStart, windowEnd) (SPEC §10.1)."
)
class EggStats:
    location_id: strawberry.ID
    window_start: DateTime
    window_end: DateTime
    eggs_total_pcs: Long
    feed_total_g: Long
    feed_layers_g: Long
    feed_cost_cents: Long
    cost_per_egg_all_eur: Decimal | None
    cost_per_egg_layers_eur: Decimal | None
    bird_days: Decimal
    layer_eligible_bird_days: Decimal
    layer_eligible_count_now: int
    eggs_per_layer_per_day: Decimal | None = strawberry.field(
        description="Eggs per layer-eligible bird-day, to 0.001."
    )
    feed_per_bird_per_day_g: Decimal | None = strawberry.field(
        description="Grams of feed per bird-day (all birds), to 0.01."
    )
    feed_cost_per_bird_per_day_eur: Decimal | None = strawberry.field(
        description="Feed cost in euros per bird-day (all birds), to 0.001."
    )

    @strawberry.field(
        description="Eggs per local calendar day of the window (ANIMALTRACK_TIMEZONE), for charts."
    )
    def daily_eggs(self, info: strawberry.Info) -> list[DailyEggs]:
        from animaltrack.services.stats import daily_egg_series

        settings = info.context.settings
        tz = getattr(settings, "timezone", None) or DEFAULT_TIMEZONE
        series = daily_egg_series(
            info.context.db, self.location_id, self.window_start, self.window_end, tz
        )
        return [DailyEggs(day=day, eggs=eggs) for day, eggs in series]

    @strawberry.field
    def location(self, info: strawberry.Info) -> LocationType | None:
        from schema.types.locations import Location

        record = info.context.loaders.location.load(self.location_id)
        return Location.from_record(record) if record else None

    @classmethod
    def compute(cls, info: strawberry.Info, location_id: str, at: int, window_days: int):
        from animaltrack.services.stats import get_egg_stats

        stats = get_egg_stats(info.context.db, location_id, at, arguments.window_days(window_days))
        return cls.from_stats(stats)

    @classmethod
    def from_stats(cls, stats) -> EggStats:
        """From `animaltrack.services.stats.EggStats`."""
        return cls(
            location_id=strawberry.ID(stats.location_id),
            window_start=stats.window_start_utc,
            window_end=stats.window_end_utc,
            eggs_total_pcs=stats.eggs_total_pcs,
            feed_total_g=stats.feed_total_g,
            feed_layers_g=stats.feed_layers_g,
            feed_cost_cents=stats.feed_cost_cents,
            cost_per_egg_all_eur=stats.cost_per_egg_all_eur,
            cost_per_egg_layers_eur=stats.cost_per_egg_layers_eur,
            bird_days=stats.bird_days,
            layer_eligible_bird_days=stats.layer_eligible_bird_days,
            layer_eligible_count_now=stats.layer_eligible_count_now,
            eggs_per_layer_per_day=stats.eggs_per_layer_per_day,
            feed_per_bird_per_day_g=stats.feed_per_bird_per_day_g,
            feed_cost_per_bird_per_day_eur=stats.feed_cost_per_bird_per_day_eur,
        )


@strawberry.type(description="Stock of one feed type (SPEC §10.2); the balance may be negative.")
class FeedStock:
    feed_type_code: str
    name: str
    purchased_kg: Long
    given_kg: Long
    balance_kg: Long
    last_purchase_price_per_kg_cents: Long | None
    last_purchase_at: DateTime | None
    last_given_at: DateTime | None

    @strawberry.field
    def feed_type(self, info: strawberry.Info) -> FeedType:
        return FeedType.from_row(info.context.loaders.feed_type.load(self.feed_type_code))

    @classmethod
    def from_record(cls, record: readmodels.FeedStock) -> FeedStock:
        return cls(
            feed_type_code=record.feed_type_code,
            name=record.name,
            purchased_kg=record.purchased_kg,
            given_kg=record.given_kg,
            balance_kg=record.balance_kg,
            last_purchase_price_per_kg_cents=record.last_purchase_price_per_kg_cents,
            last_purchase_at=record.last_purchase_ts_utc,
            last_given_at=record.last_given_ts_utc,
        )
