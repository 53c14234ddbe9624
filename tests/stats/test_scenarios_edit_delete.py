"""Acceptance scenarios 21.5 (edit an egg event) and 21.6 (deletes), SPEC §12 and §16.

Both build on scenario 21.4 (see `stats_driver`). Expected figures are worked out by hand in the
comments; after every change the live projections must equal a replay of the log.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from stats_driver import DAY, HOUR, S, ServiceDriver, T, baseline_21_1, figures, scenario_21_4

from animaltrack.errors import DependentEvents, ForbiddenError, ValidationError, VersionConflict
from animaltrack.projections.replay import copy_log, projection_rows, replay
from animaltrack.queries.subjects import subjects_of
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.readmodels import feed_inventory, roster_facets
from animaltrack.services.stats import daily_egg_series
from store import connect
from store.migrations import migrate

D = Decimal
AT = S + DAY  # T + 3 days: where 21.3 and 21.4 read their figures


def assert_live_equals_replay(db, db_path, tmp_path) -> None:
    scratch = connect(tmp_path / f"replayed-{len(list(tmp_path.glob('replayed-*.db')))}.db")
    try:
        migrate(scratch)
        copy_log(db_path, scratch)
        replay(scratch)
        assert projection_rows(db) == projection_rows(scratch)
    finally:
        scratch.close()


def _edit(d: ServiceDriver, event_id: str, **kwargs):
    kwargs.setdefault("actor", d.actor)
    kwargs.setdefault("role", "recorder")
    return edit_event(d.db, d.store, d.registry, event_id, **kwargs)


def _delete(d: ServiceDriver, event_id: str, **kwargs):
    kwargs.setdefault("actor", d.actor)
    kwargs.setdefault("role", "recorder")
    kwargs.setdefault("reason", "recorded by mistake")
    return delete_event(d.db, d.store, d.registry, event_id, **kwargs)


def _rows(db, table: str) -> list[tuple]:
    return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def test_21_5_edit_an_egg_event(driver, db_path, tmp_path):
    scenario_21_4(driver)
    collection = driver.collect_eggs("Strip 2", 8, ts=S + 18 * HOUR)

    # Strip 2 at T + 3 d: 4 + 8 = 12 eggs; 2 kg = 240 cents, all of it layers' feed
    # (the 4 birds there are all layers): 2.40 / 12 = 0.200 € for both costs per egg.
    before = driver.egg_stats("Strip 2", ts=AT)
    assert before.eggs_total_pcs == 12
    assert (before.cost_per_egg_all_eur, before.cost_per_egg_layers_eur) == (D("0.200"),) * 2

    edited = _edit(driver, collection.id, payload={"quantity": 6}, expected_version=1)

    # A revision holds version 1 (8 eggs); the event is at version 2 (6 eggs).
    assert edited.version == 2 and driver.store.get_event(collection.id).version == 2
    revisions = driver.store.revisions(collection.id)
    assert [r["version"] for r in revisions] == [1]
    assert D(str(revisions[0]["payload"]["quantity"])) == 8
    assert D(str(edited.payload["quantity"])) == 6
    # The statistics show 6: 4 + 6 = 10 eggs; 2.40 / 10 = 0.240 €.
    after = driver.egg_stats("Strip 2", ts=AT)
    assert after.eggs_total_pcs == 10
    assert (after.cost_per_egg_all_eur, after.cost_per_egg_layers_eur) == (D("0.240"),) * 2
    assert after.feed_total_g == before.feed_total_g and after.bird_days == before.bird_days
    # So does the daily series (the 4 and the 6 were both collected on 3 June, Lisbon time).
    series = daily_egg_series(driver.db, driver.location("Strip 2"), S, AT)
    assert sum(pcs for _, pcs in series) == 10
    assert_live_equals_replay(driver.db, db_path, tmp_path)

    # Editing from the stale version 1 again is refused, and changes nothing.
    with pytest.raises(VersionConflict) as conflict:
        _edit(driver, collection.id, payload={"quantity": 7}, expected_version=1)
    assert conflict.value.current_version == 2
    # Another recorder may not edit ines's event.
    with pytest.raises(ForbiddenError):
        _edit(driver, collection.id, actor="guest2", payload={"quantity": 7})
    assert driver.egg_stats("Strip 2", ts=AT).eggs_total_pcs == 10
    assert len(driver.store.revisions(collection.id)) == 1


def test_21_5_editing_the_time_moves_the_eggs_between_windows(driver, db_path, tmp_path):
    scenario_21_4(driver)
    collection = driver.collect_eggs("Strip 2", 8, ts=S + 18 * HOUR)
    # Moved to 2 days later, the 8 eggs leave the window ending at T + 3 d...
    _edit(driver, collection.id, ts_utc=S + 2 * DAY)
    assert driver.egg_stats("Strip 2", ts=AT).eggs_total_pcs == 4
    # ...and land in the one ending at T + 5 d: 4 + 8 = 12.
    assert driver.egg_stats("Strip 2", ts=S + 3 * DAY).eggs_total_pcs == 12
    # The producers are resolved again at the new time: the 4 layers now at Strip 2.
    assert sorted(driver.event_animal_ids(collection.id)) == sorted(driver.live_ids("Strip 2"))
    assert_live_equals_replay(driver.db, db_path, tmp_path)


def test_21_6_deletes(driver, db_path, tmp_path):
    ids, _ = scenario_21_4(driver)
    strip1 = driver.location("Strip 1")

    # 1. A recorder deletes their own FeedGiven (the 2 kg at Strip 2): inventory and
    #    statistics drop it.
    (given,) = ids["strip2_feed"]
    stock = {s.feed_type_code: s for s in feed_inventory(driver.db)}["layer"]
    # Given so far: 6 + 6 + 6 at Strip 1 and 2 at Strip 2 = 20 kg of the 20 kg bought.
    assert (stock.given_kg, stock.balance_kg) == (20, 0)
    assert _delete(driver, given) == [given]
    stock = {s.feed_type_code: s for s in feed_inventory(driver.db)}["layer"]
    assert (stock.purchased_kg, stock.given_kg, stock.balance_kg) == (20, 18, 2)
    # Strip 2 at T + 3 d: no feed, so 0 g and 0 cents; the cost per egg is 0 / 4 = 0.000 €
    # and there is no layer figure without feed.
    strip2_stats = driver.egg_stats("Strip 2", ts=AT)
    assert (strip2_stats.feed_total_g, strip2_stats.feed_layers_g) == (0, 0)
    assert strip2_stats.feed_cost_cents == 0
    assert strip2_stats.cost_per_egg_all_eur == D("0.000")
    assert strip2_stats.cost_per_egg_layers_eur is None
    assert strip2_stats.bird_days == D("4.00")  # the birds are still there
    assert driver.store.is_tombstoned(given)
    assert_live_equals_replay(driver.db, db_path, tmp_path)

    # 2. A recorder's delete of a cohort that later events depend on is refused: the juveniles'
    #    cohort is named by their move to Strip 1 (at T) and the change to adult female (at P).
    cohort, move, promotion = ids["juvenile_events"]
    counts = driver.db.execute("SELECT COUNT(*) FROM event_tombstones").fetchone()
    with pytest.raises(DependentEvents) as refused:
        _delete(driver, cohort)
    assert refused.value.dependent_event_ids == [move, promotion]
    assert driver.db.execute("SELECT COUNT(*) FROM event_tombstones").fetchone() == counts
    assert set(ids["juveniles"]) <= set(driver.live_ids("Strip 1"))
    # Nor may a recorder cascade.
    with pytest.raises(ForbiddenError):
        _delete(driver, cohort, cascade=True)

    # 3. An admin's cascade delete: a dry run first lists what would go and writes nothing...
    admin = {"actor": driver.admin, "role": "admin"}
    assert _delete(driver, cohort, cascade=True, dry_run=True, **admin) == [
        cohort,
        move,
        promotion,
    ]
    assert not driver.store.is_tombstoned(cohort)
    # ...then the delete tombstones the cohort and its dependents.
    assert _delete(driver, cohort, cascade=True, **admin) == [cohort, move, promotion]
    assert all(driver.store.is_tombstoned(e) for e in (cohort, move, promotion))
    # The juveniles vanish from the rosters, now and in the past.
    assert not set(ids["juveniles"]) & set(driver.live_ids("Strip 1"))
    assert roster_facets(driver.db, strip1).total == 6 + 3  # 6 layers that stayed, 3 males
    assert roster_facets(driver.db, strip1, at=T + DAY).total == 10 + 3
    assert driver.db.execute(
        "SELECT COUNT(*) FROM animal_registry WHERE animal_id IN (?, ?, ?, ?)", ids["juveniles"]
    ).fetchone() == (0,)
    # Strip 1 at T + 3 d without the juveniles: bird time 60 − 12 = 48.00, layers 38 − 2
    # = 36.00; feed_layers_g = 18000 × 36/48 = 13500; eggs 39 (the backdated 5 stay: their
    # producers were only a record); cost 2160 cents: all 21.60 / 39 = 0.554 €, layers
    # 2160 × 13500 / (100 × 18000 × 39) = 0.41538 → 0.415 €; count now 6.
    assert figures(driver.egg_stats("Strip 1", ts=AT)) == {
        "eggs_total_pcs": 39,
        "feed_total_g": 18000,
        "feed_layers_g": 13500,
        "feed_cost_cents": 2160,
        "cost_per_egg_all_eur": D("0.554"),
        "cost_per_egg_layers_eur": D("0.415"),
        "bird_days": D("48.00"),
        "layer_eligible_bird_days": D("36.00"),
        "layer_eligible_count_now": 6,
    }
    assert driver.egg_stats("Nursery 1", ts=AT).bird_days == D("0.00")
    # The live projections equal a replay of the log.
    assert_live_equals_replay(driver.db, db_path, tmp_path)


# -- edits are checked at their own place, and keep the refs the service derived ---------------


def test_an_edit_to_half_an_egg_is_refused(driver):
    baseline_21_1(driver)
    (collection,) = [e for e in driver.events if e.type == "ProductCollected"]
    with pytest.raises(ValidationError):
        _edit(driver, collection.id, payload={"quantity": "2.5"})
    # Were it accepted, the statistics would count int(2.5) = 2 eggs of an event saying 2.5.
    assert driver.egg_stats("Strip 1", ts=T).eggs_total_pcs == 12


def test_an_edited_harvest_keeps_its_location(driver):
    ids = baseline_21_1(driver)
    harvest = driver.harvest(ids["males"][:2], ts=T + HOUR, yields={"meat": "2"})
    more_meat = [{"product_code": "meat", "quantity": "2.5"}]
    _edit(driver, harvest.id, payload={"yield_items": more_meat})
    rows = driver.db.execute("SELECT quantity FROM product_ledger WHERE entry = 'yield'").fetchall()
    assert rows == [(2500,)]
    # Where the harvested animals were is derived, and follows the new version too.
    (subjects,) = subjects_of(driver.db, [driver.store.get_event(harvest.id)]).values()
    assert subjects.location_ids == [driver.location("Strip 1")]
