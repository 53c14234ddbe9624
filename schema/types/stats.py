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


@strawberry.type(description="Eggs collected on one calendar day, in the farm's time zone.")
class DailyEggs:
    day: datetime.date = strawberry.field(description="The calendar day (farm's time zone).")
    eggs: Long = strawberry.field(description="Eggs collected that day, in pieces.")


@strawberry.type(
    description="Eggs, feed, feed cost and bird time at one location over a window of whole"
    " days: from `windowStart` (included) to `windowEnd` (excluded). Backdated entries count"
    " where they happened; edited events count at their latest version, deleted ones not at"
    " all. Ratios are rounded half up."
)
class EggStats:
    location_id: strawberry.ID = strawberry.field(description="The location.")
    window_start: DateTime = strawberry.field(
        description="Start of the window, included: `windowEnd` minus the window's days of 24"
        " hours (UTC)."
    )
    window_end: DateTime = strawberry.field(
        description="End of the window, excluded: the `at` asked for (UTC)."
    )
    eggs_total_pcs: Long = strawberry.field(
        description="Eggs collected here in the window, in pieces (every egg product)."
    )
    feed_total_g: Long = strawberry.field(
        description="Feed given here in the window, in grams (the kilograms given × 1000)."
    )
    feed_layers_g: Long = strawberry.field(
        description="The layers' share of `feedTotalG`, in grams: the feed split in proportion"
        " to bird time, `feedTotalG × layer-eligible bird time ÷ all bird time`, rounded down;"
        " 0 when no bird was here."
    )
    feed_cost_cents: Long = strawberry.field(
        description="What the feed given here in the window cost, in cents: each feeding priced"
        " at the per-kg price of the latest purchase of its feed type at or before it (0 when"
        " there is none)."
    )
    cost_per_egg_all_eur: Decimal | None = strawberry.field(
        description="Feed cost per egg, in euros, counting the feed of all birds:"
        " `feedCostCents ÷ 100 ÷ eggsTotalPcs`, to 0.001; null without eggs."
    )
    cost_per_egg_layers_eur: Decimal | None = strawberry.field(
        description="Feed cost per egg, in euros, counting only the layers' share of the feed:"
        " `feedCostCents ÷ 100 × feedLayersG ÷ feedTotalG ÷ eggsTotalPcs`, to 0.001; null"
        " without eggs or without feed."
    )
    bird_days: Decimal = strawberry.field(
        description="Bird-days here in the window: the sum over every animal (any species, sex"
        " or stage) of the time it spent here alive within the window, in days of 24 hours, to"
        " 0.01."
    )
    layer_eligible_bird_days: Decimal = strawberry.field(
        description="The bird-days of layers only: the part of each animal's time here when it"
        " was alive, adult, female and of the species of an egg product (duck, for egg.duck),"
        " to 0.01."
    )
    layer_eligible_count_now: int = strawberry.field(
        description="How many layer-eligible animals (alive adult females of an egg-laying"
        " species) are here at `windowEnd`."
    )
    eggs_per_layer_per_day: Decimal | None = strawberry.field(
        description="Eggs per layer-eligible bird-day: `eggsTotalPcs ÷ layerEligibleBirdDays`"
        " (the rounded figure shown), to 0.001; null without layer time."
    )
    feed_per_bird_per_day_g: Decimal | None = strawberry.field(
        description="Grams of feed per bird-day, all birds: `feedTotalG ÷ birdDays`, to 0.01;"
        " null without bird time."
    )
    feed_cost_per_bird_per_day_eur: Decimal | None = strawberry.field(
        description="Feed cost in euros per bird-day, all birds: `feedCostCents ÷ 100 ÷"
        " birdDays`, to 0.001; null without bird time."
    )

    @strawberry.field(
        description="Eggs per calendar day of the window, in the farm's time zone (Europe/Lisbon"
        " by default), for charts: every day the window touches, days without eggs included"
        " (0), the first and last day clipped to the window."
    )
    def daily_eggs(self, info: strawberry.Info) -> list[DailyEggs]:
        from animaltrack.services.stats import daily_egg_series

        settings = info.context.settings
        tz = getattr(settings, "timezone", None) or DEFAULT_TIMEZONE
        series = daily_egg_series(
            info.context.db, self.location_id, self.window_start, self.window_end, tz
        )
        return [DailyEggs(day=day, eggs=eggs) for day, eggs in series]

    @strawberry.field(description="The location of `locationId`.")
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


@strawberry.type(
    description="The farm-wide stock of one feed type, in kilograms, from every purchase and"
    " feeding recorded."
)
class FeedStock:
    feed_type_code: str = strawberry.field(description="The feed type's code.")
    name: str = strawberry.field(description="The feed type's name.")
    purchased_kg: Long = strawberry.field(description="All feed of this type bought, in kg.")
    given_kg: Long = strawberry.field(description="All feed of this type given, in kg.")
    balance_kg: Long = strawberry.field(
        description="What is left, in kg: `purchasedKg − givenKg`; negative when more was given"
        " than recorded as bought."
    )
    last_purchase_price_per_kg_cents: Long | None = strawberry.field(
        description="Price per kg of the latest purchase, in cents: its bag price ÷ bag size,"
        " rounded half up to a whole cent; null before any purchase."
    )
    last_purchase_at: DateTime | None = strawberry.field(
        description="When the latest purchase happened (UTC); null before any."
    )
    last_given_at: DateTime | None = strawberry.field(
        description="When feed of this type was last given (UTC); null before any."
    )

    @strawberry.field(description="The feed type of `feedTypeCode`.")
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
