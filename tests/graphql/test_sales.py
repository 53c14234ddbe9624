"""Sales and harvests (SPEC §10.2): the `sales` and `harvestYields` queries, and the warning a
sale carries when it takes more of a product than the farm ever had of it by then (the sale is
still recorded: the farmer may have forgotten to record a collection)."""

from __future__ import annotations

from graphql_driver import DAY, HOUR, NOW, iso


def _collect(gql, pieces: int, ts: int) -> None:
    result = gql.mutate(
        "collectProduct",
        {
            "locationId": gql.location_id("Strip 1"),
            "productCode": "egg.duck",
            "quantity": str(pieces),
            "tsUtc": iso(ts),
        },
    )
    assert result["__typename"] == "ProductCollected", result


def _sell(gql, product: str, quantity: str, cents: int, ts: int) -> dict:
    input = {"productCode": product, "quantity": quantity, "totalPriceCents": cents}
    result = gql.mutate("sellProduct", {**input, "tsUtc": iso(ts)})
    assert result["__typename"] == "ProductSold", result
    return result


def test_a_sale_beyond_what_was_collected_is_recorded_with_a_warning(gql):
    gql.cohort("Strip 1", 10, ts=NOW - 3 * DAY)
    _collect(gql, 230, NOW - 2 * DAY)
    # 200 of the 230 eggs: covered.
    assert _sell(gql, "egg.duck", "200", 7000, NOW - DAY)["warnings"] == []
    # 500 more: only 230 - 200 = 30 are left.
    [warning] = _sell(gql, "egg.duck", "500", 17500, NOW - HOUR)["warnings"]
    assert warning == {
        "code": "SOLD_MORE_THAN_STOCK",
        "message": "You sold 500 piece(s) of Duck egg but only 30 were collected or harvested"
        " before, less what was sold earlier. The sale is recorded; record the collection or"
        " harvest that is missing.",
    }
    # Backdated before the collection, a sale finds nothing at all.
    [warning] = _sell(gql, "egg.duck", "1", 35, NOW - 2 * DAY - 1)["warnings"]
    assert "but only 0 were" in warning["message"]
    # Both sales count in the takings all the same: 701 eggs for 24535 cents.
    sales = gql.data(
        'query($at: DateTime) { sales(productCode: "egg.duck", at: $at, windowDays: 7)'
        " { quantity totalPriceCents averagePriceCents unit } }",
        {"at": iso(NOW)},
    )["sales"]
    # 24535 / 701 = 34.999… → 35.00 cents an egg.
    assert sales == {
        "quantity": "701",
        "totalPriceCents": 24535,
        "averagePriceCents": "35.00",
        "unit": "piece",
    }


def test_harvest_yields_and_the_sale_of_meat(gql):
    ducks = gql.cohort("Strip 1", 2, ts=NOW - 3 * DAY)
    at = NOW - 2 * DAY
    harvest = {
        **gql.selection_input("id:" + "|".join(ducks), at=iso(at)),
        "outcome": "HARVEST",
        "yieldItems": [
            {"productCode": "meat", "quantity": "3.250"},
            {"productCode": "fat", "quantity": "0.400"},
        ],
        "tsUtc": iso(at),
    }
    assert gql.mutate("recordOutcome", harvest)["__typename"] == "OutcomeRecorded"
    # 2 kg of the 3.250 kg of meat: no warning; 2 kg more: 1.250 left.
    assert _sell(gql, "meat", "2", 2400, NOW - DAY)["warnings"] == []
    [warning] = _sell(gql, "meat", "2", 2400, NOW - HOUR)["warnings"]
    assert warning["message"].startswith("You sold 2.000 kg of Meat but only 1.250 were")
    data = gql.data(
        """query($at: DateTime, $since: DateTime) {
          harvestYields { productCode unit quantity harvests }
          later: harvestYields(since: $since) { productCode }
          sales(productCode: "meat", at: $at) { quantity totalPriceCents averagePriceCents }
        }""",
        {"at": iso(NOW), "since": iso(at + 1)},
    )
    assert data == {
        "harvestYields": [
            {"productCode": "fat", "unit": "kg", "quantity": "0.400", "harvests": 1},
            {"productCode": "meat", "unit": "kg", "quantity": "3.250", "harvests": 1},
        ],
        "later": [],
        # 4 kg for 4800 cents: 1200.00 cents a kg.
        "sales": {"quantity": "4.000", "totalPriceCents": 4800, "averagePriceCents": "1200.00"},
    }


def test_an_unknown_product_has_no_sales(gql):
    response = gql.execute('{ sales(productCode: "caviar") { quantity } }')
    [error] = response["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND"}
