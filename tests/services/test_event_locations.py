"""`event_locations` (SPEC §6.1): the places an event is about are derived from the intervals
and derived again whenever history changes, including the corner where several events share
one millisecond (the state read is the one after all of them, whichever way it was folded)."""

from __future__ import annotations

import pytest

from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalTaggedPayload,
)
from animaltrack.queries.subjects import subjects_of
from tests.farm import HOUR, T0, Farm, assert_live_equals_replay


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


def _ducks(farm: Farm, count: int, at: int = T0) -> list[str]:
    payload = AnimalCohortCreatedPayload(
        species="duck", count=count, life_stage="adult", location_id=farm.location_id("Strip 1")
    )
    return farm.animals.create_cohort(payload, at, "ines").entity_refs["animal_ids"]


def _places(farm: Farm, event) -> list[str]:
    names = {r[0]: r[1] for r in farm.db.execute("SELECT id, name FROM locations")}
    event = farm.store.get_event(event.id)
    return sorted(names[loc] for loc in subjects_of(farm.db, [event])[event.id].location_ids)


def _move(farm: Farm, ids: list[str], to: str, at: int):
    payload = AnimalMovedPayload(resolved_ids=ids, to_location_id=farm.location_id(to))
    return farm.animals.move_animals(payload, at, "ines")


def test_a_move_is_about_its_source_and_destination_and_a_death_about_where_it_happened(farm):
    (duck,) = _ducks(farm, 1)
    move = _move(farm, [duck], "Strip 2", T0 + HOUR)
    death = farm.animals.record_outcome(
        AnimalOutcomePayload(resolved_ids=[duck], outcome="death"), T0 + 2 * HOUR, "ines"
    )
    assert _places(farm, move) == ["Strip 1", "Strip 2"]
    assert _places(farm, death) == ["Strip 2"]
    # A backdated move to Nursery 1 before the first: the first now comes from Nursery 1.
    _move(farm, [duck], "Nursery 1", T0 + HOUR // 2)
    assert _places(farm, move) == ["Nursery 1", "Strip 2"]
    assert_live_equals_replay(farm)


def test_events_sharing_a_millisecond_read_the_state_after_all_of_them(farm):
    a, b = _ducks(farm, 2)
    at = T0 + 2 * HOUR
    tag = farm.animals.add_tag(AnimalTaggedPayload(resolved_ids=[a, b], tag="ring"), at, "ines")
    _move(farm, [b], "Strip 2", at)  # the same millisecond, recorded after the tag
    assert _places(farm, tag) == ["Strip 1", "Strip 2"]
    # A backdated change that refolds `a` alone re-derives the tag from `b`'s final state.
    _move(farm, [a], "Nursery 1", T0 + HOUR)
    assert _places(farm, tag) == ["Nursery 1", "Strip 2"]
    assert_live_equals_replay(farm)
