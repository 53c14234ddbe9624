"""Bad product and feed input is refused with a clear domain error, and nothing is written.

Each case starts from a farm where the command would otherwise be fine (ducks at Strip 1, layer
feed bought five days before T). After the refusal the same connection, and the database file
opened afresh, hold exactly the rows they held before.
"""

from __future__ import annotations

import pytest
from stats_driver import DAY, ServiceDriver, T

from animaltrack.errors import AnimalTrackError, NotFoundError
from animaltrack.events.payloads import FeedGivenPayload, build_payload
from store import connect

UNKNOWN_ID = "01J00000000000000000000000"

_TABLES = (
    "events",
    "event_animals",
    "event_locations",
    "product_ledger",
    "feed_given",
    "feed_prices",
    "feed_inventory",
    "animal_location_intervals",
    "animal_attr_intervals",
    "live_animals_by_location",
    "idempotency_nonces",
)


def _counts(db) -> dict[str, int]:
    return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in _TABLES}


@pytest.fixture
def farm(seeded_db):
    d = ServiceDriver(seeded_db)
    d.ducks = d.create_cohort("Strip 1", 4, sex="female", ts=T - 10 * DAY)
    d.buy_feed("layer", bags=1, bag_price_cents=2400, ts=T - 5 * DAY)
    # A reference product that can be neither collected nor sold.
    seeded_db["products"].insert(
        {
            "code": "compost",
            "name": "Compost",
            "unit": "kg",
            "kind": "other",
            "species_code": None,
            "collectable": 0,
            "sellable": 0,
            "active": 1,
            "created_at_utc": 0,
            "updated_at_utc": 0,
        }
    )
    return d


def _feed_nowhere(d: ServiceDriver):
    payload = build_payload(
        FeedGivenPayload, location_id=UNKNOWN_ID, feed_type_code="layer", amount_kg=2
    )
    return d.feed.give_feed(payload, T, d.actor)


CASES = {
    "zero eggs": (lambda d: d.collect_eggs("Strip 1", 0, ts=T), "quantity"),
    "negative eggs": (lambda d: d.collect_eggs("Strip 1", -2, ts=T), "quantity"),
    "half an egg": (lambda d: d.collect_eggs("Strip 1", "1.5", ts=T), "quantity"),
    "kg with 4 decimals": (lambda d: d.collect("Strip 1", "meat", "1.0005", ts=T), "quantity"),
    "zero kg": (lambda d: d.collect("Strip 1", "meat", "0", ts=T), "quantity"),
    "negative kg": (lambda d: d.collect("Strip 1", "meat", "-1.5", ts=T), "quantity"),
    "not a number": (lambda d: d.collect("Strip 1", "meat", "lots", ts=T), "quantity"),
    "unknown product": (lambda d: d.collect("Strip 1", "egg.goose", 3, ts=T), "product_code"),
    "product not collectable": (
        lambda d: d.collect("Strip 1", "compost", "2", ts=T),
        "product_code",
    ),
    "no producer lives there": (lambda d: d.collect_eggs("Strip 3", 5, ts=T), "location_id"),
    "no producer there yet": (
        lambda d: d.collect_eggs("Strip 1", 5, ts=T - 20 * DAY),
        "location_id",
    ),
    "feed never bought": (lambda d: d.give_feed("Strip 1", "grower", 2, ts=T), "feed_type_code"),
    "feed given before its purchase": (
        lambda d: d.give_feed("Strip 1", "layer", 2, ts=T - 6 * DAY),
        "feed_type_code",
    ),
    "fractional kg of feed": (lambda d: d.give_feed("Strip 1", "layer", 1.5, ts=T), "amount_kg"),
    "fractional kg of feed as text": (
        lambda d: d.give_feed("Strip 1", "layer", "2.5", ts=T),
        "amount_kg",
    ),
    "zero feed": (lambda d: d.give_feed("Strip 1", "layer", 0, ts=T), "amount_kg"),
    "unknown feed type": (lambda d: d.give_feed("Strip 1", "pellets", 2, ts=T), "feed_type_code"),
    "feed at an unknown location": (lambda d: _feed_nowhere(d), None),
    "zero bags": (lambda d: d.buy_feed("layer", bags=0, bag_price_cents=2400, ts=T), "bags_count"),
    "sell nothing": (lambda d: d.sell("egg.duck", 0, 100, ts=T), "quantity"),
    "negative price": (lambda d: d.sell("egg.duck", 3, -5, ts=T), "total_price_cents"),
    "sell what is not for sale": (lambda d: d.sell("compost", "1", 100, ts=T), "product_code"),
    "eggs as a harvest yield": (
        lambda d: d.harvest(d.ducks[:1], ts=T, yields={"egg.duck": "3"}),
        "yield_items",
    ),
    "yield with 4 decimals": (
        lambda d: d.harvest(d.ducks[:1], ts=T, yields={"meat": "0.0001"}),
        "yield_items.0.quantity",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_and_nothing_is_written(farm, db_path, case):
    command, field = CASES[case]
    before = _counts(farm.db)
    with pytest.raises(AnimalTrackError) as refusal:
        command(farm)
    error = refusal.value
    assert error.message.strip()
    if field is None:
        assert isinstance(error, NotFoundError)
    else:
        assert error.field == field, (error.field, error.message)
    assert not farm.db.conn.in_transaction
    assert _counts(farm.db) == before
    reopened = connect(db_path)
    try:
        assert _counts(reopened) == before
    finally:
        reopened.close()


def test_refused_eggs_after_a_harvest_leave_the_harvest_alone(farm, db_path):
    farm.harvest(farm.ducks, ts=T - DAY, yields={"meat": "1.2"})
    before = _counts(farm.db)
    with pytest.raises(AnimalTrackError) as refusal:
        farm.collect_eggs("Strip 1", 1, ts=T)
    assert "No duck lived at that location" in refusal.value.message
    reopened = connect(db_path)
    try:
        assert _counts(reopened) == before
    finally:
        reopened.close()
