"""What the bus publishes (`animaltrack/services/bus.py`): each change a command, an edit or a
delete makes to the log, once committed, with its sequence number, its event as the change left
it, and the places it is about — for an edit or a delete, those the event was about before it
too. Nothing
for a refusal, a dry run, a repeated nonce or a rebuild."""

from __future__ import annotations

import pytest

from animaltrack.errors import AnimalTrackError
from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalTaggedPayload,
    ProductCollectedPayload,
)
from animaltrack.rebuild import rebuild
from animaltrack.services.bus import default_bus
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from store import connect
from tests.farm import DAY, HOUR, T0, Farm


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


@pytest.fixture
def heard(farm):
    """What the process's bus publishes during the test, with the newest sequence number a
    connection of its own sees at that moment (so only what has committed)."""
    other = connect(farm.path)
    found = []

    def listener(published):
        (committed,) = other.execute("SELECT MAX(seq) FROM log_changes").fetchone()
        found.append((published, committed))

    unsubscribe = default_bus.subscribe(listener)
    yield found
    unsubscribe()
    other.close()


def ducks(farm, strip: str, count: int = 2):
    payload = AnimalCohortCreatedPayload(
        species="duck", count=count, life_stage="adult", location_id=farm.location_id(strip)
    )
    return farm.animals.create_cohort(payload, T0, "ines")


def eggs(farm, strip: str):
    payload = ProductCollectedPayload(
        location_id=farm.location_id(strip), product_code="egg.duck", quantity=3
    )
    return farm.products.collect_product(payload, T0 + DAY, "ines")


def test_an_edit_is_about_its_old_and_new_places_and_a_delete_the_deleted_events(farm, heard):
    strip_1, strip_2 = farm.location_id("Strip 1"), farm.location_id("Strip 2")
    ducks(farm, "Strip 1")
    ducks(farm, "Strip 2")
    collected = eggs(farm, "Strip 1")
    args = (farm.db, farm.store, farm.registry)
    edit_event(*args, collected.id, actor="ines", role="recorder", payload={"location_id": strip_2})
    delete_event(*args, collected.id, actor="ines", role="recorder", reason="counted twice")

    seen = [(p.kind, p.event.id, p.event.version, p.places) for p, _ in heard[2:]]
    assert seen == [
        ("APPENDED", collected.id, 1, (strip_1,)),
        ("EDITED", collected.id, 2, (strip_1, strip_2)),
        ("DELETED", collected.id, 2, (strip_2,)),
    ]
    assert heard[3][0].event.payload["location_id"] == strip_2
    # Each one once committed, under the sequence number the log gave it.
    assert [p.change.seq for p, _ in heard] == [committed for _, committed in heard]
    assert farm.store.changes_after(heard[0][0].change.seq - 1) == [p.change for p, _ in heard]


def test_a_cascade_delete_publishes_each_tombstone_with_its_places(farm, heard):
    strip_3 = farm.location_id("Strip 3")
    cohort = ducks(farm, "Strip 3", count=1)
    [duck] = cohort.entity_refs["animal_ids"]
    tagged = farm.animals.add_tag(
        AnimalTaggedPayload(resolved_ids=[duck], tag="layer"), T0 + HOUR, "ines"
    )
    heard.clear()
    args = (farm.db, farm.store, farm.registry)
    delete_event(*args, cohort.id, actor="ppetru", role="admin", reason=None, cascade=True)
    assert [(p.kind, p.event.id, p.places) for p, _ in heard] == [
        ("DELETED", cohort.id, (strip_3,)),
        ("DELETED", tagged.id, (strip_3,)),
    ]


def test_nothing_is_published_for_a_refusal_a_dry_run_a_repeated_nonce_or_a_rebuild(farm, heard):
    def cohort(species: str, nonce: str | None = None):
        payload = AnimalCohortCreatedPayload(
            species=species, count=1, life_stage="adult", location_id=farm.location_id("Strip 1")
        )
        return farm.animals.create_cohort(payload, T0, "ines", nonce=nonce)

    first = cohort("duck", nonce="n-1")
    heard.clear()
    with pytest.raises(AnimalTrackError):
        cohort("sheep")  # not an active species
    args = (farm.db, farm.store, farm.registry)
    delete_event(*args, first.id, actor="ines", role="recorder", reason=None, dry_run=True)
    assert cohort("duck", nonce="n-1").id == first.id
    rebuild(farm.db, farm.path)
    assert heard == []
