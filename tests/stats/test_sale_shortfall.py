"""A sale of more than the farm had of a product (SPEC §10.2's product stock): collections and
harvest yields up to the sale, less the sales before it in `(ts_utc, id)` order. The sale is
recorded all the same; `sale_shortfall` says by how much it went beyond, for the warning the
API adds to `sellProduct`'s answer."""

from __future__ import annotations

from decimal import Decimal

from stats_driver import DAY, HOUR, T

from animaltrack.services.readmodels import SaleShortfall, sale_shortfall


def test_sales_within_the_stock_have_no_shortfall(driver):
    driver.create_cohort("Strip 1", 10, sex="female", ts=T - 3 * DAY)
    driver.collect_eggs("Strip 1", 230, ts=T - 2 * DAY)
    first = driver.sell("egg.duck", 200, 7000, ts=T - DAY)
    assert sale_shortfall(driver.db, first) is None
    # 230 - 200 = 30 left: 30 more is exactly the stock.
    assert sale_shortfall(driver.db, driver.sell("egg.duck", 30, 1050, ts=T - DAY)) is None
    over = driver.sell("egg.duck", 500, 17500, ts=T)
    assert sale_shortfall(driver.db, over) == SaleShortfall(
        "egg.duck", "Duck egg", "piece", Decimal(500), Decimal(0)
    )


def test_a_backdated_collection_covers_a_later_sale(driver):
    driver.create_cohort("Strip 1", 10, sex="female", ts=T - 3 * DAY)
    sale = driver.sell("egg.duck", 12, 420, ts=T)
    assert sale_shortfall(driver.db, sale).available == 0
    driver.collect_eggs("Strip 1", 12, ts=T - HOUR)  # recorded late, happened before
    assert sale_shortfall(driver.db, sale) is None


def test_harvest_yields_count_in_kg(driver):
    ducks = driver.create_cohort("Strip 1", 2, sex="female", ts=T - 3 * DAY)
    driver.harvest(ducks, ts=T - 2 * DAY, yields={"meat": "3.250"})
    sale = driver.sell("meat", "4", 4800, ts=T)
    assert sale_shortfall(driver.db, sale) == SaleShortfall(
        "meat", "Meat", "kg", Decimal("4.000"), Decimal("3.250")
    )
