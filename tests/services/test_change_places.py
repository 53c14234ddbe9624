"""What the subscriptions of every server process read back from the log sequence
(`animaltrack.queries.log.published_after`): each change a command, an edit or a delete made to
the log, with its sequence number, its event as the change left it, and the places its
transaction noted (`animaltrack/services/changes.py`) — for an edit or a delete, those the event
was about before it too. Nothing for a refusal, a dry run, a repeated nonce or a rebuild."""

from __future__ import annotations

import pytest

from animaltrack.errors import AnimalTrackError
from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalTaggedPayload,
    ProductCollectedPayload,
)
from animaltrack.queries.log import published_after
from animaltrack.rebuild import rebuild
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from store import connect
from tests.farm import DAY, HOUR, T0, Farm


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


class Heard:
    """The changes committed since the test began, read by a connection of the test's own (as a
    server process that recorded none of them would)."""

    def __init__(self, farm):
        self.farm = farm
        self.since = farm.store.last_seq()

    def clear(self) -> None:
        self.since = self.farm.store.last_seq()

    def __call__(self):
        other = connect(self.farm.path)
        try:
            return published_after(other, self.since)
        finally:
            other.close()


@pytest.fixture
def heard(farm):
    return Heard(farm)


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

    published = heard()
    seen = [(p.kind, p.event.id, p.event.version, p.places) for p in published[2:]]
    assert seen == [
        ("APPENDED", collected.id, 1, (strip_1,)),
        ("EDITED", collected.id, 2, (strip_1, strip_2)),
        ("DELETED", collected.id, 2, (strip_2,)),
    ]
    assert published[3].event.payload["location_id"] == strip_2
    # The places are the log sequence's own, as each transaction noted them.
    assert farm.store.changes_after(heard.since) == [p.change for p in published]


def test_a_change_without_noted_places_is_about_its_events_places(farm, heard):
    """Changes recorded before the places were kept (or imported) read them from the event."""
    strip_1, strip_2 = farm.location_id("Strip 1"), farm.location_id("Strip 2")
    cohort = ducks(farm, "Strip 1")
    collected = eggs(farm, "Strip 1")
    args = (farm.db, farm.store, farm.registry)
    delete_event(*args, collected.id, actor="ines", role="recorder", reason=None)
    moved = farm.animals.move_animals(
        AnimalMovedPayload(resolved_ids=cohort.entity_refs["animal_ids"], to_location_id=strip_2),
        T0 + 2 * DAY,
        "ines",
    )
    farm.db.execute("UPDATE log_changes SET places = NULL WHERE seq > ?", (heard.since,))
    assert [(p.event.id, p.places) for p in heard()][1:] == [
        (collected.id, (strip_1,)),
        (collected.id, (strip_1,)),  # deleted: the places it names
        (moved.id, (strip_2, strip_1)),  # named, then derived (where the ducks were)
    ]


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
    assert [(p.kind, p.event.id, p.places) for p in heard()] == [
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
    assert heard() == []
