"""Feed inventory, the price history of purchases, and the ledger of feed given.

Every purchase keeps its price per kg (`feed_prices`), so feed given is priced at the latest
purchase of its type at or before it (SPEC §10.1). The inventory row of a feed type is always
recomputed from the purchases and the feed given, so it is right whatever order events arrive in.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.projections.base import Batch, Projection, insert_rows


def price_per_kg_cents(bag_price_cents: int, bag_size_kg: int) -> int:
    """round_half_up(bag_price / bag_size), exact in decimals."""
    value = Decimal(bag_price_cents) / Decimal(bag_size_kg)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


PRICE_COLUMNS = ("feed_type_code", "ts_utc", "event_id", "price_per_kg_cents", "purchased_kg")
GIVEN_COLUMNS = ("event_id", "location_id", "feed_type_code", "ts_utc", "amount_kg")


class FeedInventoryProjection(Projection):
    NAME = "feed"
    TABLES = ("feed_inventory", "feed_prices", "feed_given")
    EVENT_TYPES = frozenset({t.FEED_PURCHASED, t.FEED_GIVEN})

    def record(self, event: Event) -> None:
        table, columns, row = self.row(event)
        insert_rows(self.db, self.names[table], columns, [row])
        self._recompute(event.payload["feed_type_code"])

    def unrecord(self, event: Event) -> None:
        self.db.execute(self.sql("DELETE FROM {feed_prices} WHERE event_id = ?"), (event.id,))
        self.db.execute(self.sql("DELETE FROM {feed_given} WHERE event_id = ?"), (event.id,))
        self._recompute(event.payload["feed_type_code"])

    def batch(self, log: str) -> Batch:
        return FeedBatch(self)

    def row(self, event: Event) -> tuple[str, tuple[str, ...], tuple]:
        """The table an event's row goes to, its columns, and the row."""
        p = event.payload
        if event.type == t.FEED_PURCHASED:
            bag = p["bag_size_kg"]
            price = price_per_kg_cents(p["bag_price_cents"], bag)
            row = (p["feed_type_code"], event.ts_utc, event.id, price, bag * p["bags_count"])
            return "feed_prices", PRICE_COLUMNS, row
        row = (event.id, p["location_id"], p["feed_type_code"], event.ts_utc, p["amount_kg"])
        return "feed_given", GIVEN_COLUMNS, row

    def _recompute(self, code: str) -> None:
        self.db.execute(self.sql("DELETE FROM {feed_inventory} WHERE feed_type_code = ?"), (code,))
        self.db.execute(
            self.sql(
                """
            INSERT INTO {feed_inventory} (feed_type_code, purchased_kg, given_kg, balance_kg,
              last_purchase_price_per_kg_cents, last_purchase_ts_utc, last_given_ts_utc)
            SELECT :code, p.kg, g.kg, p.kg - g.kg, last.price, last.ts, g.last_ts
            FROM (SELECT COALESCE(SUM(purchased_kg), 0) AS kg FROM {feed_prices}
                  WHERE feed_type_code = :code) p,
                 (SELECT COALESCE(SUM(amount_kg), 0) AS kg, MAX(ts_utc) AS last_ts
                  FROM {feed_given} WHERE feed_type_code = :code) g
            LEFT JOIN (SELECT price_per_kg_cents AS price, ts_utc AS ts FROM {feed_prices}
                  WHERE feed_type_code = :code ORDER BY ts_utc DESC, event_id DESC LIMIT 1) last
            WHERE p.kg > 0 OR g.kg > 0
            """
            ),
            {"code": code},
        )


class MemoryPrices:
    """The purchases folded so far, per feed type in `(ts_utc, event_id)` order: the in-memory
    twin of `price_at(db, …)`, for the rules reading a batch fold."""

    def __init__(self) -> None:
        self.by_type: dict[str, list[tuple[int, str, int]]] = {}

    def add(self, row: tuple) -> None:
        """A `feed_prices` row (`PRICE_COLUMNS`)."""
        code, ts, event_id, price, _ = row
        insort(self.by_type.setdefault(code, []), (ts, event_id, price))

    def price_at(self, feed_type_code: str, ts: int) -> int | None:
        """Price per kg of the latest purchase of this type at or before ts (None if none)."""
        prices = self.by_type.get(feed_type_code, ())
        i = bisect_right(prices, ts, key=itemgetter(0))
        return prices[i - 1][2] if i else None


class FeedBatch(Batch):
    """Gather purchases and feed given, load them in primary-key order, then work out the
    inventory of each feed type once."""

    def __init__(self, projection: FeedInventoryProjection):
        super().__init__(projection)
        self.rows: dict[str, list[tuple]] = {"feed_prices": [], "feed_given": []}
        self.prices = MemoryPrices()

    def add(self, event: Event) -> None:
        table, _, row = self.projection.row(event)
        self.rows[table].append(row)
        if table == "feed_prices":
            self.prices.add(row)

    def finish(self) -> None:
        p = self.projection
        prices = sorted(self.rows["feed_prices"], key=lambda r: r[:3])
        given = sorted(self.rows["feed_given"])
        insert_rows(p.db, p.names["feed_prices"], PRICE_COLUMNS, prices)
        insert_rows(p.db, p.names["feed_given"], GIVEN_COLUMNS, given)
        for code in sorted({r[0] for r in prices} | {r[2] for r in given}):
            p._recompute(code)


def price_at(db, feed_type_code: str, ts: int) -> int | None:
    """Price per kg of the latest purchase of this type at or before ts (None if none)."""
    row = db.execute(
        "SELECT price_per_kg_cents FROM feed_prices WHERE feed_type_code = ? AND ts_utc <= ?"
        " ORDER BY ts_utc DESC, event_id DESC LIMIT 1",
        (feed_type_code, ts),
    ).fetchone()
    return row[0] if row else None


def balance_kg(db, feed_type_code: str) -> int:
    row = db.execute(
        "SELECT balance_kg FROM feed_inventory WHERE feed_type_code = ?", (feed_type_code,)
    ).fetchone()
    return row[0] if row else 0
