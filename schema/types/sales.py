"""Sales and harvests (SPEC §10.2): what a product sold for over a window, and how much every
harvest yielded. Built from `animaltrack.services.readmodels`."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from animaltrack.services import readmodels
from schema.scalars import DateTime, Long


@strawberry.type(description="What one product sold for over the window [windowStart, windowEnd).")
class Sales:
    product_code: str = strawberry.field(description="The product's code, e.g. `egg.duck`.")
    unit: str = strawberry.field(description="The product's unit: `piece` or `kg`.")
    window_start: DateTime = strawberry.field(description="First instant of the window.")
    window_end: DateTime = strawberry.field(
        description="The window's end, not included: the `at` asked for."
    )
    quantity: Decimal = strawberry.field(
        description="How much was sold in the window, in the product's unit (kg to 0.001)."
    )
    total_price_cents: Long = strawberry.field(
        description="What those sales brought in, in euro cents."
    )
    average_price_cents: Decimal | None = strawberry.field(
        description="Euro cents per piece, or per kg for a kg product, rounded half up to 0.01"
        " cent; null when nothing was sold in the window."
    )

    @classmethod
    def from_record(cls, record: readmodels.SalePrice) -> Sales:
        return cls(
            product_code=record.product_code,
            unit=record.unit,
            window_start=record.window_start_utc,
            window_end=record.window_end_utc,
            quantity=record.quantity,
            total_price_cents=record.total_price_cents,
            average_price_cents=record.average_price_cents,
        )


@strawberry.type(description="Everything the harvests of a time range yielded of one product.")
class HarvestYield:
    product_code: str = strawberry.field(description="The product's code, e.g. `meat`.")
    unit: str = strawberry.field(description="The product's unit: `piece` or `kg`.")
    quantity: Decimal = strawberry.field(
        description="The total yielded, in the product's unit (kg to 0.001)."
    )
    harvests: int = strawberry.field(description="How many harvests yielded some of it.")

    @classmethod
    def from_record(cls, record: readmodels.YieldTotal) -> HarvestYield:
        return cls(
            product_code=record.product_code,
            unit=record.unit,
            quantity=record.quantity,
            harvests=record.harvests,
        )
