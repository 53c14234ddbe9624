"""Edits and deletes (SPEC §12) refused for the right reasons, each leaving the file unchanged."""

from __future__ import annotations

import pytest

from animaltrack.errors import (
    ClockSkewError,
    DependentEvents,
    ForbiddenError,
    HistoryConflict,
    ValidationError,
    VersionConflict,
)
from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalStatusCorrectedPayload,
)
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from tests.farm import HOUR, T0, Farm, assert_live_equals_replay, refused


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


def _duck(farm: Farm) -> tuple[str, str]:
    event = farm.animals.create_cohort(
        AnimalCohortCreatedPayload(
            species="duck", count=1, life_stage="adult", location_id=farm.location_id("Strip 1")
        ),
        T0,
        "ines",
    )
    return event.id, event.entity_refs["animal_ids"][0]


def _move(farm: Farm, duck: str, to: str, at: int, actor: str = "ines"):
    payload = AnimalMovedPayload(resolved_ids=[duck], to_location_id=farm.location_id(to))
    return farm.animals.move_animals(payload, at, actor)


def _edit(farm: Farm, event_id: str, **kwargs):
    return edit_event(farm.db, farm.store, farm.registry, event_id, **kwargs)


def _delete(farm: Farm, event_id: str, **kwargs):
    kwargs.setdefault("reason", "mistake")
    return delete_event(farm.db, farm.store, farm.registry, event_id, **kwargs)


def test_a_recorder_cannot_edit_or_delete_someone_elses_event(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR, actor="ppetru")
    refused(
        farm,
        ForbiddenError,
        lambda: _delete(farm, move.id, actor="ines", role="recorder"),
        contains="ppetru",
    )
    refused(
        farm,
        ForbiddenError,
        lambda: _edit(farm, move.id, actor="ines", role="recorder", payload={"notes": "x"}),
    )
    refused(farm, ForbiddenError, lambda: _delete(farm, move.id, actor="guest", role="viewer"))


def test_only_an_admin_deletes_with_cascade(farm):
    cohort, duck = _duck(farm)
    _move(farm, duck, "Strip 2", T0 + HOUR)
    refused(farm, DependentEvents, lambda: _delete(farm, cohort, actor="ines", role="recorder"))
    refused(
        farm,
        ForbiddenError,
        lambda: _delete(farm, cohort, actor="ines", role="recorder", cascade=True),
    )
    assert len(_delete(farm, cohort, actor="ppetru", role="admin", cascade=True, dry_run=True)) == 2
    assert len(_delete(farm, cohort, actor="ppetru", role="admin", cascade=True)) == 2
    assert_live_equals_replay(farm)


def test_a_deleted_event_cannot_be_edited_or_deleted_again(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR)
    _delete(farm, move.id, actor="ines", role="recorder")
    refused(
        farm,
        ValidationError,
        lambda: _edit(farm, move.id, actor="ines", role="recorder", payload={"notes": "x"}),
        contains="deleted",
    )
    refused(
        farm,
        ValidationError,
        lambda: _delete(farm, move.id, actor="ines", role="recorder"),
        contains="deleted",
    )


def test_a_stale_expected_version_is_a_version_conflict(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR)
    _edit(
        farm, move.id, actor="ines", role="recorder", payload={"notes": "first"}, expected_version=1
    )
    refused(
        farm,
        VersionConflict,
        lambda: _edit(
            farm,
            move.id,
            actor="ines",
            role="recorder",
            payload={"notes": "again"},
            expected_version=1,
        ),
    )


def test_an_edit_that_breaks_a_later_event_is_a_history_conflict(farm):
    """S1 → S2 at t1, S2 → N1 at t2. Editing the first move to go to N1 makes the second one a
    move to where the duck already is."""
    _, duck = _duck(farm)
    first = _move(farm, duck, "Strip 2", T0 + HOUR)
    second = _move(farm, duck, "Nursery 1", T0 + 2 * HOUR)
    before = farm.committed_state()
    with pytest.raises(HistoryConflict) as conflict:
        _edit(
            farm,
            first.id,
            actor="ines",
            role="recorder",
            payload={"to_location_id": farm.location_id("Nursery 1")},
        )
    assert conflict.value.conflicting_event_ids == [second.id]
    assert farm.committed_state() == before


def test_a_delete_that_breaks_a_later_event_is_a_history_conflict(farm):
    """The duck died at t1, was found alive (corrected) at t2 and moved at t3: deleting the
    correction would leave a dead duck moving."""
    _, duck = _duck(farm)
    farm.animals.record_outcome(
        AnimalOutcomePayload(resolved_ids=[duck], outcome="death"), T0 + HOUR, "ines"
    )
    correction = farm.animals.correct_status(
        AnimalStatusCorrectedPayload(animal_ids=[duck], new_status="alive", reason="found"),
        T0 + 2 * HOUR,
        "ppetru",
    )
    move = _move(farm, duck, "Strip 2", T0 + 3 * HOUR)
    before = farm.committed_state()
    with pytest.raises(HistoryConflict) as conflict:
        _delete(farm, correction.id, actor="ppetru", role="admin")
    assert conflict.value.conflicting_event_ids == [move.id]
    assert farm.committed_state() == before


def test_an_edit_into_the_future_is_refused(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR)
    refused(
        farm,
        ClockSkewError,
        lambda: _edit(farm, move.id, actor="ines", role="recorder", ts_utc=farm.now + 3_600_000),
    )


def test_an_edit_keeps_the_old_version_as_a_revision(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR)
    edited = _edit(farm, move.id, actor="ines", role="recorder", ts_utc=T0 + 30 * 60_000)
    assert edited.version == 2 and edited.ts_utc == T0 + 30 * 60_000
    (revision,) = farm.store.revisions(move.id)
    assert revision["version"] == 1 and revision["ts_utc"] == T0 + HOUR
    assert_live_equals_replay(farm)


def test_an_edit_that_changes_nothing_is_refused(farm):
    _, duck = _duck(farm)
    move = _move(farm, duck, "Strip 2", T0 + HOUR)
    refused(
        farm,
        ValidationError,
        lambda: _edit(farm, move.id, actor="ines", role="recorder", payload={}, ts_utc=move.ts_utc),
        contains="changes nothing",
    )
