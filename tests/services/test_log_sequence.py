"""The log sequence (SPEC §4): every append, new version and tombstone is one row of
`log_changes`, written by `EventStore` in the command's transaction, so a reader catches up from
the last sequence number it saw."""

from __future__ import annotations

import pytest

from animaltrack.errors import AnimalTrackError
from animaltrack.events.payloads import AnimalCohortCreatedPayload, FeedPurchasedPayload
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from tests.farm import HOUR, T0, Farm


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


def test_appends_versions_and_tombstones_are_sequenced_in_the_order_they_were_written(farm):
    start = farm.store.last_seq()
    assert start == 8  # the seed locations
    purchase = FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=2400)
    bought = farm.feed.purchase_feed(purchase, T0, "ines")
    args = (farm.db, farm.store, farm.registry)
    edit_event(*args, bought.id, actor="ines", role="recorder", payload={"bags_count": 2})
    delete_event(*args, bought.id, actor="ines", role="recorder", reason="wrong farm")

    changes = farm.store.changes_after(start)
    assert [(c.kind, c.event_id, c.version) for c in changes] == [
        ("APPENDED", bought.id, 1),
        ("EDITED", bought.id, 2),
        ("DELETED", bought.id, 2),
    ]
    assert [c.seq for c in changes] == [start + 1, start + 2, start + 3]
    assert all(c.at_utc == farm.now for c in changes)
    assert farm.store.changes_after(start + 1, limit=1) == changes[1:2]
    assert farm.store.changes_after(farm.store.last_seq()) == []


def test_a_refused_command_writes_no_change(farm):
    before = farm.store.last_seq()
    cohort = AnimalCohortCreatedPayload(
        species="sheep", count=1, life_stage="adult", location_id=farm.location_id("Strip 1")
    )
    with pytest.raises(AnimalTrackError):
        farm.animals.create_cohort(cohort, T0 + HOUR, "ines")
    assert farm.store.last_seq() == before
