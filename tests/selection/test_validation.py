"""A roster hash that differs while the animals did not change (SPEC §9.2): the command says why
instead of a `SelectionMismatchError` with nothing added or removed."""

from __future__ import annotations

import pytest

from animaltrack.errors import ValidationError
from animaltrack.events.payloads import AnimalCohortCreatedPayload, AnimalMovedPayload
from animaltrack.selection import (
    SelectionContext,
    compute_roster_hash,
    parse_filter,
    resolve_filter,
)
from tests.farm import HOUR, T0, Farm

FILTER = 'location:"Strip 1"'


@pytest.fixture
def farm(tmp_path):
    farm = Farm(tmp_path / "farm.db")
    payload = AnimalCohortCreatedPayload(
        species="duck", count=2, life_stage="adult", location_id=farm.location_id("Strip 1")
    )
    farm.animals.create_cohort(payload, T0, "ines")
    yield farm
    farm.close()


def _move(farm: Farm, roster_hash: str, from_location: str | None):
    ids = resolve_filter(farm.db, parse_filter(FILTER), T0 + HOUR).animal_ids
    source = farm.location_id(from_location) if from_location else None
    payload = AnimalMovedPayload(
        resolved_ids=ids, to_location_id=farm.location_id("Strip 2"), from_location_id=source
    )
    selection = SelectionContext(FILTER, ids, roster_hash, T0 + HOUR, source)
    return ids, lambda: farm.animals.move_animals(payload, T0 + HOUR, "ines", selection=selection)


@pytest.mark.parametrize(
    ("hashed_with", "command_names", "words"),
    [
        (None, "Strip 1", "was made without a location, but this command names 'Strip 1'"),
        ("Strip 2", "Strip 1", "was made for 'Strip 2', but this command names 'Strip 1'"),
        ("Strip 1", None, "was made for 'Strip 1', but this command names no location"),
        ("made up", None, "was not made by the `selection` query for these animals"),
    ],
)
def test_a_hash_made_elsewhere_is_a_validation_error_on_the_roster_hash(
    farm, hashed_with, command_names, words
):
    ids, _ = _move(farm, "", None)
    if hashed_with == "made up":
        roster_hash = "0123456789abcdef"
    else:
        location = farm.location_id(hashed_with) if hashed_with else None
        roster_hash = compute_roster_hash(ids, location)
    _, move = _move(farm, roster_hash, command_names)
    with pytest.raises(ValidationError) as refused:
        move()
    assert refused.value.field == "roster_hash"
    assert words in refused.value.message
