"""The product ledger: collections, sales and harvest yields, one row per event and product.

Quantities are integers: pieces for `piece` products, grams for `kg` products, so sums are exact.
Statistics read it by location, product and time (SPEC §10).
"""

from __future__ import annotations

from decimal import Decimal

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.projections.base import Batch, Projection, insert_rows


def to_units(db, product_code: str, quantity) -> int:
    """Integer units of a product: pieces, or grams for kg products."""
    row = db.execute("SELECT unit FROM products WHERE code = ?", (product_code,)).fetchone()
    value = Decimal(str(quantity))
    return int(value * 1000) if row is not None and row[0] == "kg" else int(value)


LEDGER_COLUMNS = (
    "event_id",
    "entry",
    "product_code",
    "location_id",
    "ts_utc",
    "quantity",
    "total_price_cents",
    "unit_price_cents",
)


class ProductsProjection(Projection):
    NAME = "products"
    TABLES = ("product_ledger",)
    EVENT_TYPES = frozenset({t.PRODUCT_COLLECTED, t.PRODUCT_SOLD, t.ANIMAL_OUTCOME})

    def record(self, event: Event) -> None:
        insert_rows(self.db, self.names["product_ledger"], LEDGER_COLUMNS, self.rows(event))

    def unrecord(self, event: Event) -> None:
        self.db.execute(self.sql("DELETE FROM {product_ledger} WHERE event_id = ?"), (event.id,))

    def batch(self, log: str) -> Batch:
        return LedgerBatch(self)

    def rows(self, event: Event) -> list[tuple]:
        """The ledger rows of one event, in `LEDGER_COLUMNS` order."""
        p = event.payload
        rows = []
        if event.type == t.PRODUCT_COLLECTED:
            qty = to_units(self.db, p["product_code"], p["quantity"])
            rows.append(("collected", p["product_code"], p["location_id"], qty, None, None))
        elif event.type == t.PRODUCT_SOLD:
            qty = to_units(self.db, p["product_code"], p["quantity"])
            total = p["total_price_cents"]
            unit_price = int(Decimal(total) // Decimal(str(p["quantity"])))
            rows.append(("sold", p["product_code"], None, qty, total, unit_price))
        elif event.type == t.ANIMAL_OUTCOME:
            totals: dict[str, int] = {}
            for item in p.get("yield_items", ()):
                code = item["product_code"]
                totals[code] = totals.get(code, 0) + to_units(self.db, code, item["quantity"])
            # Where the animals were is not a fact of the event (SPEC §1.9): yields carry none.
            rows += [("yield", code, None, qty, None, None) for code, qty in totals.items()]
        return [
            (event.id, e, code, loc, event.ts_utc, q, tot, up) for e, code, loc, q, tot, up in rows
        ]


class LedgerBatch(Batch):
    """Gather the ledger rows of every event, then load them in primary-key order."""

    def __init__(self, projection: ProductsProjection):
        super().__init__(projection)
        self.rows: list[tuple] = []

    def add(self, event: Event) -> None:
        self.rows += self.projection.rows(event)

    def finish(self) -> None:
        self.rows.sort(key=lambda r: r[:3])
        p = self.projection
        insert_rows(p.db, p.names["product_ledger"], LEDGER_COLUMNS, self.rows)
