"""Other read models of SPEC §10.2: feed inventory, average sale price, harvest yield totals and
roster facets.

Plain SQL over the projection tables documented in `store/migrations.py`; reads only, no event is
written. Quantities stay integers (grams for `kg` products, pieces otherwise) and are turned into
`Decimal` in the product's unit only for display. Time ranges are half-open, `[since, until)`,
like the statistics window of `animaltrack.services.stats`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from animaltrack.errors import NotFoundError
from animaltrack.projections.intervals import location_intervals_overlapping
from animaltrack.projections.locations import get_location
from animaltrack.services.stats import check_ms, round_ratio, window_bounds
from store.migrations import END_OF_TIME_UTC

_EOT = END_OF_TIME_UTC


def to_product_unit(units: int, unit: str) -> Decimal:
    """Integer units (grams or pieces) as a quantity in the product's unit (kg to 0.001)."""
    return Decimal(units).scaleb(-3) if unit == "kg" else Decimal(units)


def _product(db, code: str) -> tuple[str, str]:
    row = db.execute("SELECT code, unit FROM products WHERE code = ?", (code,)).fetchone()
    if row is None:
        raise NotFoundError(f"There is no product '{code}'.")
    return row[0], row[1]


# -- feed inventory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedStock:
    """Stock of one feed type: bought, given, what is left, and the last purchase."""

    feed_type_code: str
    name: str
    purchased_kg: int
    given_kg: int
    balance_kg: int
    last_purchase_price_per_kg_cents: int | None
    last_purchase_ts_utc: int | None
    last_given_ts_utc: int | None


def feed_inventory(db) -> list[FeedStock]:
    """One row per feed type in use or ever bought or given, by code; zeros when untouched.

    The balance may be negative: feed given beyond what was recorded as bought (SPEC §5.3).
    """
    rows = db.execute(
        """
        SELECT t.code, t.name, COALESCE(i.purchased_kg, 0), COALESCE(i.given_kg, 0),
               COALESCE(i.balance_kg, 0), i.last_purchase_price_per_kg_cents,
               i.last_purchase_ts_utc, i.last_given_ts_utc
        FROM feed_types AS t LEFT JOIN feed_inventory AS i ON i.feed_type_code = t.code
        WHERE t.active = 1 OR i.feed_type_code IS NOT NULL
        ORDER BY t.code
        """
    ).fetchall()
    return [FeedStock(*row) for row in rows]


# -- sales -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalePrice:
    """What a product sold for over a window; the average is per piece or per kg, in cents."""

    product_code: str
    unit: str
    window_start_utc: int
    window_end_utc: int
    quantity: Decimal
    total_price_cents: int
    average_price_cents: Decimal | None


def average_sale_price(db, product_code: str, ts_utc: int, window_days: int = 30) -> SalePrice:
    """Total cents over total quantity of the product's sales in `[ts - window_days, ts)`.

    The average is in cents per piece, or per kg for `kg` products, rounded half up to 0.01
    cent; None when nothing was sold in the window.
    """
    start, end = window_bounds(ts_utc, window_days)
    code, unit = _product(db, product_code)
    units, cents = db.execute(
        """
        SELECT COALESCE(SUM(quantity), 0), COALESCE(SUM(total_price_cents), 0)
        FROM product_ledger
        WHERE product_code = ? AND entry = 'sold' AND ts_utc >= ? AND ts_utc < ?
        """,
        (code, start, end),
    ).fetchone()
    per_unit = 1000 if unit == "kg" else 1
    average = round_ratio(cents * per_unit, units, 2) if units else None
    return SalePrice(code, unit, start, end, to_product_unit(units, unit), cents, average)


@dataclass(frozen=True)
class SaleShortfall:
    """A sale of more than the farm ever had of the product by then: `sold` in this sale,
    `available` = everything collected and harvested of it up to the sale minus what earlier
    sales took, in the product's unit (pieces, or kg)."""

    product_code: str
    name: str
    unit: str
    sold: Decimal
    available: Decimal


def sale_shortfall(db, event) -> SaleShortfall | None:
    """The shortfall of a recorded `ProductSold` event, or None when the stock covered it.

    Collections and harvest yields count up to the sale's time included; sales count when they
    come before it in `(ts_utc, id)` order, so two sales at one instant are taken in the order
    they were recorded. Read from the product ledger, which already holds the sale.
    """
    code = event.payload["product_code"]
    name, unit = db.execute("SELECT name, unit FROM products WHERE code = ?", (code,)).fetchone()
    had, sold_before, sold = db.execute(
        """
        SELECT COALESCE(SUM(CASE WHEN entry <> 'sold' AND ts_utc <= :ts THEN quantity END), 0),
               COALESCE(SUM(CASE WHEN entry = 'sold' AND (ts_utc < :ts
                   OR (ts_utc = :ts AND event_id < :id)) THEN quantity END), 0),
               COALESCE(SUM(CASE WHEN event_id = :id AND entry = 'sold' THEN quantity END), 0)
        FROM product_ledger WHERE product_code = :code AND ts_utc <= :ts
        """,
        {"code": code, "ts": event.ts_utc, "id": event.id},
    ).fetchone()
    available = had - sold_before
    if sold <= available:
        return None
    return SaleShortfall(
        code, name, unit, to_product_unit(sold, unit), to_product_unit(max(available, 0), unit)
    )


# -- harvest yields ----------------------------------------------------------------------------


@dataclass(frozen=True)
class YieldTotal:
    """Everything harvested of one product: `total_units` in grams (kg products) or pieces."""

    product_code: str
    unit: str
    total_units: int
    quantity: Decimal
    harvests: int


def harvest_yield_totals(
    db, since: int | None = None, until: int | None = None
) -> list[YieldTotal]:
    """Harvest yields per product over `[since, until)` (open ends when None), by code."""
    rows = db.execute(
        """
        SELECT l.product_code, p.unit, SUM(l.quantity), COUNT(DISTINCT l.event_id)
        FROM product_ledger AS l JOIN products AS p ON p.code = l.product_code
        WHERE l.entry = 'yield' AND l.ts_utc >= :since AND l.ts_utc < :until
        GROUP BY l.product_code, p.unit
        HAVING SUM(l.quantity) <> 0
        ORDER BY l.product_code
        """,
        {
            "since": -(2**62) if since is None else since,
            "until": 2**62 if until is None else until,
        },
    ).fetchall()
    return [
        YieldTotal(code, unit, units, to_product_unit(units, unit), harvests)
        for code, unit, units, harvests in rows
    ]


# -- roster facets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetGroup:
    location_id: str
    species: str
    sex: str
    life_stage: str
    count: int


@dataclass(frozen=True)
class RosterFacets:
    """Counts of live animals, overall and by location, species, sex and life stage."""

    total: int
    by_location: dict[str, int]
    by_species: dict[str, int]
    by_sex: dict[str, int]
    by_life_stage: dict[str, int]
    groups: tuple[FacetGroup, ...]

    @classmethod
    def from_groups(cls, groups: list[FacetGroup]) -> RosterFacets:
        def count(key: str) -> dict[str, int]:
            counter: Counter[str] = Counter()
            for group in groups:
                counter[getattr(group, key)] += group.count
            return dict(sorted(counter.items()))

        return cls(
            total=sum(g.count for g in groups),
            by_location=count("location_id"),
            by_species=count("species"),
            by_sex=count("sex"),
            by_life_stage=count("life_stage"),
            groups=tuple(groups),
        )


_NOW_SQL = """
SELECT location_id, species, sex, life_stage, COUNT(*) FROM live_animals_by_location
{where} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""


def _attr_at(alias: str, attr: str) -> str:
    return (
        f"(SELECT {alias}.value FROM animal_attr_intervals AS {alias}"
        f" WHERE {alias}.animal_id = l.animal_id AND {alias}.attr = '{attr}'"
        f" AND {alias}.start_utc <= :at AND COALESCE({alias}.end_utc, {_EOT}) > :at)"
    )


_AT_SQL = f"""
SELECT l.location_id, r.species, {_attr_at("sx", "sex")}, {_attr_at("ls", "life_stage")},
       COUNT(*)
FROM {location_intervals_overlapping("l", ":at", ":at + 1")}
JOIN animal_registry AS r ON r.animal_id = l.animal_id
WHERE {{where}} COALESCE(l.end_utc, {_EOT}) > :at AND l.start_utc <= :at
  AND EXISTS (SELECT 1 FROM animal_attr_intervals AS st WHERE st.animal_id = l.animal_id
              AND st.attr = 'status' AND +st.value = 'alive' AND st.start_utc <= :at
              AND COALESCE(st.end_utc, {_EOT}) > :at)
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""


def roster_facets(db, location_id: str | None = None, at: int | None = None) -> RosterFacets:
    """Counts of the animals alive at `at` (default: now), at one location or everywhere."""
    params: dict = {}
    location = None
    if location_id is not None:
        location = get_location(db, location_id).id
        params["location"] = location
    if at is None:
        where = "WHERE location_id = :location" if location else ""
        rows = db.execute(_NOW_SQL.format(where=where), params).fetchall()
    else:
        params["at"] = check_ms(at, "at")
        where = "l.location_id = :location AND" if location else ""
        rows = db.execute(_AT_SQL.format(where=where), params).fetchall()
    return RosterFacets.from_groups([FacetGroup(*row) for row in rows])
