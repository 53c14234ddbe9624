"""The rules of every animal and location event (SPEC §5.1–5.2): what is accepted, what is
refused with which error, and that a refusal leaves the database file exactly as it was."""

from __future__ import annotations

import pytest

from animaltrack.errors import (
    ClockSkewError,
    NotFoundError,
    ValidationError,
)
from animaltrack.events.payloads import (
    AnimalAttributesUpdatedPayload,
    AnimalCohortCreatedPayload,
    AnimalMergedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalPromotedPayload,
    AnimalStatusCorrectedPayload,
    AnimalTagEndedPayload,
    AnimalTaggedPayload,
    AttributeSet,
    HatchRecordedPayload,
    LocationArchivedPayload,
    LocationCreatedPayload,
    LocationRenamedPayload,
    build_payload,
)
from tests.farm import DAY, HOUR, T0, Farm, assert_live_equals_replay, refused

UNKNOWN = "7" * 26


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


def move(farm: Farm, ids, to: str, at: int):
    return farm.animals.move_animals(
        AnimalMovedPayload(resolved_ids=ids, to_location_id=farm.location_id(to)), at, "ines"
    )


# -- payloads refuse what needs no database -------------------------------------------------


@pytest.mark.parametrize(
    ("payload_type", "data", "field"),
    [
        (
            AnimalCohortCreatedPayload,
            {"species": "duck", "count": -1, "life_stage": "adult", "location_id": "0" * 26},
            "count",
        ),
        (
            AnimalCohortCreatedPayload,
            {"species": "duck", "count": 10_001, "life_stage": "adult", "location_id": "0" * 26},
            "count",
        ),
        (
            AnimalCohortCreatedPayload,
            {"species": "duck", "count": 1, "life_stage": "elder", "location_id": "0" * 26},
            "life_stage",
        ),
        (AnimalMovedPayload, {"resolved_ids": [], "to_location_id": "0" * 26}, "resolved_ids"),
        (AnimalMovedPayload, {"resolved_ids": ["x"], "to_location_id": "0" * 26}, "resolved_ids.0"),
        (
            AnimalMovedPayload,
            {"resolved_ids": [UNKNOWN, UNKNOWN], "to_location_id": "0" * 26},
            "resolved_ids",
        ),
        (AnimalTaggedPayload, {"resolved_ids": [UNKNOWN], "tag": "(!)"}, "tag"),
        (AnimalAttributesUpdatedPayload, {"resolved_ids": [UNKNOWN], "set": {}}, "set"),
        (AnimalMergedPayload, {"survivor_id": UNKNOWN, "merged_ids": [UNKNOWN]}, None),
        (
            AnimalOutcomePayload,
            {
                "resolved_ids": [UNKNOWN],
                "outcome": "death",
                "yield_items": [{"product_code": "meat", "quantity": "1"}],
            },
            None,
        ),
        (
            AnimalStatusCorrectedPayload,
            {"animal_ids": [UNKNOWN], "new_status": "alive", "reason": " "},
            "reason",
        ),
        (
            AnimalMovedPayload,
            {"resolved_ids": [UNKNOWN], "to_location_id": "0" * 26, "colour": "blue"},
            "colour",
        ),
    ],
)
def test_bad_payloads_are_refused_naming_the_field(payload_type, data, field):
    with pytest.raises(ValidationError) as caught:
        build_payload(payload_type, **data)
    assert caught.value.field == field


def test_tags_are_normalised():
    payload = AnimalTaggedPayload(resolved_ids=[UNKNOWN], tag=" My  Tag(1)")
    assert payload.tag == "my--tag1"


# -- cohorts and hatches -------------------------------------------------------------------


def test_a_cohort_creates_its_animals_where_it_says(farm):
    ids = farm.cohort(n=3)
    rows = farm.db.execute(
        "SELECT live.location_id, live.sex, r.status FROM live_animals_by_location live"
        " JOIN animal_registry r USING (animal_id) WHERE animal_id IN (?, ?, ?)",
        ids,
    ).fetchall()
    assert rows == [(farm.location_id("Strip 1"), "female", "alive")] * 3


def test_a_cohort_of_an_inactive_species_or_at_an_archived_location_is_refused(farm):
    refused(farm, ValidationError, lambda: farm.cohort(species="sheep"), contains="not in use")
    refused(farm, ValidationError, lambda: farm.cohort(species="emu"), contains="no species")
    farm.locations.archive_location(
        LocationArchivedPayload(location_id=farm.location_id("Nursery 4")), T0, "ppetru"
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.cohort(where="Nursery 4", at=T0 + 1),
        contains="not in use",
    )


def test_a_hatch_puts_hatchlings_in_the_brood_location(farm):
    event = farm.animals.record_hatch(
        HatchRecordedPayload(
            species="duck",
            location_id=farm.location_id("Strip 1"),
            assigned_brood_location_id=farm.location_id("Nursery 1"),
            hatched_live=2,
        ),
        T0,
        "ines",
    )
    rows = farm.db.execute(
        "SELECT DISTINCT location_id, life_stage, origin FROM animal_registry WHERE animal_id IN"
        " (SELECT value FROM json_each(?))",
        (str(event.entity_refs["animal_ids"]).replace("'", '"'),),
    ).fetchall()
    assert rows == [(farm.location_id("Nursery 1"), "hatchling", "hatched")]


# -- moves -----------------------------------------------------------------------------------


def test_moving_to_the_same_location_is_refused(farm):
    ids = farm.cohort()
    refused(
        farm,
        ValidationError,
        lambda: move(farm, ids, "Strip 1", T0 + HOUR),
        contains="already at that location",
    )


def test_moving_animals_from_two_locations_at_once_is_refused(farm):
    a, b = farm.cohort(n=1), farm.cohort(n=1, where="Strip 2")
    refused(
        farm,
        ValidationError,
        lambda: move(farm, a + b, "Nursery 1", T0 + HOUR),
        contains="different locations",
    )


def test_moving_with_a_wrong_from_location_is_refused(farm):
    ids = farm.cohort()
    payload = AnimalMovedPayload(
        resolved_ids=ids,
        to_location_id=farm.location_id("Strip 3"),
        from_location_id=farm.location_id("Strip 2"),
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.move_animals(payload, T0 + 1, "ines"),
        contains="not at the location",
    )


def test_moving_to_an_archived_location_or_an_unknown_animal_is_refused(farm):
    ids = farm.cohort()
    farm.locations.archive_location(
        LocationArchivedPayload(location_id=farm.location_id("Nursery 4")), T0, "ppetru"
    )
    refused(
        farm,
        ValidationError,
        lambda: move(farm, ids, "Nursery 4", T0 + HOUR),
        contains="not in use",
    )
    refused(farm, NotFoundError, lambda: move(farm, [UNKNOWN], "Strip 2", T0 + HOUR))


def test_moving_an_animal_before_it_existed_or_after_it_died_is_refused(farm):
    ids = farm.cohort(at=T0 + DAY)
    refused(farm, ValidationError, lambda: move(farm, ids, "Strip 2", T0), contains="exist yet")
    farm.animals.record_outcome(
        AnimalOutcomePayload(resolved_ids=ids, outcome="death"), T0 + 2 * DAY, "ines"
    )
    refused(
        farm, ValidationError, lambda: move(farm, ids, "Strip 2", T0 + 3 * DAY), contains="died"
    )


# -- attributes, tags, promotion -------------------------------------------------------------


def test_only_real_attribute_changes_open_an_interval(farm):
    (duck,) = farm.cohort(n=1)
    farm.animals.update_attributes(
        AnimalAttributesUpdatedPayload(
            resolved_ids=[duck], set=AttributeSet(sex="female", life_stage="adult")
        ),
        T0 + HOUR,
        "ines",
    )
    assert (
        farm.db.execute(
            "SELECT COUNT(*) FROM animal_attr_intervals WHERE animal_id = ? AND attr IN"
            " ('sex', 'life_stage')",
            (duck,),
        ).fetchone()[0]
        == 2
    )


def test_tagging_twice_and_ending_an_absent_tag_change_nothing(farm):
    (duck,) = farm.cohort(n=1)
    for at in (T0 + 1, T0 + 2):
        farm.animals.add_tag(AnimalTaggedPayload(resolved_ids=[duck], tag="Broody"), at, "ines")
    farm.animals.end_tag(AnimalTagEndedPayload(resolved_ids=[duck], tag="lame"), T0 + 3, "ines")
    assert farm.db.execute(
        "SELECT tag, start_utc, end_utc FROM animal_tag_intervals WHERE animal_id = ?", (duck,)
    ).fetchall() == [("broody", T0 + 1, None)]
    assert farm.db.execute("SELECT use_count FROM tag_suggestions").fetchone() == (2,)
    assert_live_equals_replay(farm)


def test_a_nickname_clash_is_refused_ignoring_case(farm):
    a, b = farm.cohort()
    farm.animals.promote_animal(
        AnimalPromotedPayload(animal_id=a, nickname="Daisy"), T0 + 1, "ines"
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.promote_animal(
            AnimalPromotedPayload(animal_id=b, nickname="DAISY"), T0 + 2, "ines"
        ),
        contains="already used",
    )
    # Promoting an identified animal renames it.
    farm.animals.promote_animal(
        AnimalPromotedPayload(animal_id=a, nickname="Bella"), T0 + 3, "ines"
    )
    assert farm.db.execute(
        "SELECT nickname, identified FROM animal_registry WHERE animal_id = ?", (a,)
    ).fetchone() == ("Bella", 1)


# -- outcomes, merges, corrections --------------------------------------------------------


def test_a_merged_id_is_refused_naming_its_survivor(farm):
    survivor, merged = farm.cohort()
    farm.animals.merge_animals(
        AnimalMergedPayload(survivor_id=survivor, merged_ids=[merged]), T0 + 1, "ppetru"
    )
    refused(
        farm, ValidationError, lambda: move(farm, [merged], "Strip 2", T0 + 2), contains=survivor
    )
    assert farm.db.execute("SELECT alias_id, survivor_id FROM animal_aliases").fetchall() == [
        (merged, survivor)
    ]


def test_merge_chains_are_flattened(farm):
    a, b, c = farm.cohort(n=3)
    farm.animals.merge_animals(AnimalMergedPayload(survivor_id=b, merged_ids=[a]), T0 + 1, "p")
    farm.animals.merge_animals(AnimalMergedPayload(survivor_id=c, merged_ids=[b]), T0 + 2, "p")
    assert dict(farm.db.execute("SELECT alias_id, survivor_id FROM animal_aliases").fetchall()) == {
        a: c,
        b: c,
    }
    assert_live_equals_replay(farm)


def test_merging_animals_of_two_species_is_refused(farm):
    (duck,), (goose,) = farm.cohort(n=1), farm.cohort(n=1, species="goose")
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.merge_animals(
            AnimalMergedPayload(survivor_id=duck, merged_ids=[goose]), T0 + 1, "ppetru"
        ),
        contains="one species",
    )


def test_a_status_correction_to_alive_rejoins_the_last_location_and_keeps_the_gap(farm):
    (duck,) = farm.cohort(n=1)
    farm.animals.record_outcome(
        AnimalOutcomePayload(resolved_ids=[duck], outcome="death"), T0 + HOUR, "ines"
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.correct_status(
            AnimalStatusCorrectedPayload(animal_ids=[duck], new_status="dead", reason="x"),
            T0 + 2 * HOUR,
            "ppetru",
        ),
        contains="already dead",
    )
    farm.animals.correct_status(
        AnimalStatusCorrectedPayload(animal_ids=[duck], new_status="alive", reason="found her"),
        T0 + 2 * HOUR,
        "ppetru",
    )
    strip1 = farm.location_id("Strip 1")
    assert farm.db.execute(
        "SELECT location_id, start_utc, end_utc FROM animal_location_intervals"
        " WHERE animal_id = ? ORDER BY start_utc",
        (duck,),
    ).fetchall() == [(strip1, T0, T0 + HOUR), (strip1, T0 + 2 * HOUR, None)]
    assert farm.db.execute(
        "SELECT location_id FROM live_animals_by_location WHERE animal_id = ?", (duck,)
    ).fetchone() == (strip1,)
    assert_live_equals_replay(farm)


# -- locations -------------------------------------------------------------------------------


def test_location_names_are_unique_ignoring_case(farm):
    refused(
        farm,
        ValidationError,
        lambda: farm.locations.create_location(
            LocationCreatedPayload(name="strip 1"), T0, "ppetru"
        ),
        contains="already exists",
    )
    pond = farm.locations.create_location(LocationCreatedPayload(name="Pond"), T0, "ppetru")
    refused(
        farm,
        ValidationError,
        lambda: farm.locations.rename_location(
            LocationRenamedPayload(location_id=pond.payload["location_id"], new_name="STRIP 2"),
            T0 + 1,
            "ppetru",
        ),
        contains="already exists",
    )


def test_a_location_with_animals_cannot_be_archived(farm):
    farm.cohort(where="Strip 3")
    refused(
        farm,
        ValidationError,
        lambda: farm.locations.archive_location(
            LocationArchivedPayload(location_id=farm.location_id("Strip 3")), T0 + 1, "ppetru"
        ),
        contains="still has animals",
    )


def test_a_renamed_location_is_found_by_its_name_at_the_time(farm):
    from animaltrack.selection import parse_filter, resolve_filter

    ids = farm.cohort(where="Strip 4")
    farm.locations.rename_location(
        LocationRenamedPayload(location_id=farm.location_id("Strip 4"), new_name="Orchard"),
        T0 + DAY,
        "ppetru",
    )
    before = resolve_filter(farm.db, parse_filter('location:"Strip 4"'), T0 + HOUR)
    after = resolve_filter(farm.db, parse_filter("location:orchard"), T0 + HOUR)
    assert before.animal_ids == after.animal_ids == sorted(ids)


# -- the log's own rules -------------------------------------------------------------------


def test_a_time_in_the_future_is_refused(farm):
    refused(farm, ClockSkewError, lambda: farm.cohort(at=farm.now + 5 * 60 * 1000 + 1))
    farm.cohort(at=farm.now + 5 * 60 * 1000)  # exactly five minutes ahead is allowed


def test_an_event_needs_an_actor(farm):
    payload = AnimalCohortCreatedPayload(
        species="duck", count=1, life_stage="adult", location_id=farm.location_id("Strip 1")
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.create_cohort(payload, T0, " "),
        contains="who recorded",
    )


def test_event_ids_grow_even_when_the_id_source_goes_backwards(farm):
    backwards = iter(f"0000000000{n:016d}" for n in range(10_000, 0, -1))
    farm.store.new_id = lambda: next(backwards)
    farm.cohort(n=1)
    farm.cohort(n=1)
    ids = [r[0] for r in farm.db.execute("SELECT id FROM events ORDER BY rowid")]
    assert ids == sorted(ids)


def test_an_animal_that_died_the_moment_it_arrived_cannot_be_corrected_back_to_alive(farm):
    """Found by the property test: its zero-length location interval is never stored, so there
    is no location for it to rejoin."""
    (duck,) = farm.cohort(n=1, at=T0)
    farm.animals.record_outcome(
        AnimalOutcomePayload(resolved_ids=[duck], outcome="death"), T0, "ines"
    )
    refused(
        farm,
        ValidationError,
        lambda: farm.animals.correct_status(
            AnimalStatusCorrectedPayload(animal_ids=[duck], new_status="alive", reason="x"),
            T0 + HOUR,
            "ppetru",
        ),
        contains="never at a location",
    )
