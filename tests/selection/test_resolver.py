"""Resolving every filter form at an instant (SPEC §7–8) against a small farm with a history."""

from __future__ import annotations

import pytest

from animaltrack.errors import ValidationError
from animaltrack.events.payloads import (
    AnimalAttributesUpdatedPayload,
    AnimalCohortCreatedPayload,
    AnimalMergedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalPromotedPayload,
    AnimalTagEndedPayload,
    AnimalTaggedPayload,
    AttributeSet,
    LocationRenamedPayload,
)
from animaltrack.selection import compute_roster_hash, parse_filter, resolve_filter
from tests.farm import HOUR, T0, Farm

T1, T2, T3, T4 = (T0 + n * HOUR for n in (1, 2, 3, 4))
LATER = T0 + 10 * HOUR


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """T0: Strip 1 gets hens h1–h3 and drakes d1–d2 (adult ducks); Strip 2 juvenile geese g1–g2.
    T1: h1 tagged broody, h3 promoted "Daisy". T2: h2 moved to Nursery 1, d2 died.
    T3: g2 merged into g1, g1 grows up. T4: Strip 2 renamed "Goose Run"; h1's broody tag ends."""
    farm = Farm(tmp_path_factory.mktemp("resolver") / "farm.db")
    s = farm.animals

    def cohort(n, where, species="duck", sex="female", stage="adult"):
        payload = AnimalCohortCreatedPayload(
            species=species, count=n, life_stage=stage, sex=sex, location_id=farm.location_id(where)
        )
        return s.create_cohort(payload, T0, "ines").entity_refs["animal_ids"]

    h1, h2, h3 = cohort(3, "Strip 1")
    d1, d2 = cohort(2, "Strip 1", sex="male")
    g1, g2 = cohort(2, "Strip 2", species="goose", sex="unknown", stage="juvenile")
    s.add_tag(AnimalTaggedPayload(resolved_ids=[h1], tag="Broody"), T1, "ines")
    s.promote_animal(AnimalPromotedPayload(animal_id=h3, nickname="Daisy"), T1, "ines")
    s.move_animals(
        AnimalMovedPayload(resolved_ids=[h2], to_location_id=farm.location_id("Nursery 1")),
        T2,
        "ines",
    )
    s.record_outcome(AnimalOutcomePayload(resolved_ids=[d2], outcome="death"), T2, "ines")
    s.merge_animals(AnimalMergedPayload(survivor_id=g1, merged_ids=[g2]), T3, "ppetru")
    s.update_attributes(
        AnimalAttributesUpdatedPayload(resolved_ids=[g1], set=AttributeSet(life_stage="adult")),
        T3,
        "ines",
    )
    farm.locations.rename_location(
        LocationRenamedPayload(location_id=farm.location_id("Strip 2"), new_name="Goose Run"),
        T4,
        "ppetru",
    )
    s.end_tag(AnimalTagEndedPayload(resolved_ids=[h1], tag="broody"), T4, "ines")
    farm.ids = dict(h1=h1, h2=h2, h3=h3, d1=d1, d2=d2, g1=g1, g2=g2)
    yield farm
    farm.close()


def names(farm: Farm, text: str, at: int = LATER) -> list[str]:
    found = resolve_filter(farm.db, parse_filter(text), at).animal_ids
    by_id = {v: k for k, v in farm.ids.items()}
    return sorted(by_id[a] for a in found)


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("", LATER, ["d1", "g1", "h1", "h2", "h3"]),
        ('location:"Strip 1"', LATER, ["d1", "h1", "h3"]),
        ('location:"Strip 1"', T1, ["d1", "d2", "h1", "h2", "h3"]),
        ('location:"strip 1" sex:female', LATER, ["h1", "h3"]),
        ("location:0000000000SEED000000000005", LATER, ["h2"]),  # Nursery 1, by id
        ('location:"Strip 2"', T1, ["g1", "g2"]),  # its name then
        ('location:"Goose Run"', T1, ["g1", "g2"]),  # its name now
        ("species:goose", LATER, ["g1"]),
        ("species:duck|goose -sex:female", LATER, ["d1", "g1"]),
        ("life_stage:juvenile", T2, ["g1", "g2"]),
        ("life_stage:juvenile", LATER, []),
        ("repro_status:unknown sex:male", LATER, ["d1"]),
        ("identified:true", LATER, ["h3"]),
        ("identified:false species:duck", LATER, ["d1", "h1", "h2"]),
        ("nickname:DAISY", LATER, ["h3"]),
        ("-nickname:daisy species:duck", LATER, ["d1", "h1", "h2"]),
        ("tag:broody", T2, ["h1"]),
        ("tag:broody", LATER, []),
        ("-tag:broody sex:female", T2, ["h2", "h3"]),
        ("status:dead", LATER, ["d2"]),
        ('status:dead location:"Strip 1"', LATER, ["d2"]),  # where it died
        ("status:dead|alive sex:male", LATER, ["d1", "d2"]),
        ("-status:alive", LATER, ["d2", "g2"]),
        ("status:merged_into", LATER, ["g2"]),
        ("status:alive", T0 - 1, []),  # before anything existed
    ],
)
def test_every_filter_form_at_an_instant(farm, text, at, expected):
    assert names(farm, text, at) == expected


def test_ids_select_a_hand_picked_subset_and_a_merged_id_matches_nothing(farm):
    ids = farm.ids
    assert names(farm, f"id:{ids['h1']}|{ids['d1'].lower()}") == ["d1", "h1"]
    assert names(farm, f"id:{ids['g2']}") == []
    assert names(farm, f"id:{ids['g2']} status:merged_into") == []
    assert names(farm, f"id:{ids['d2']} status:dead") == ["d2"]
    assert names(farm, f"-id:{ids['h1']} sex:female") == ["h2", "h3"]


def test_results_are_sorted_and_hashed_without_a_location(farm):
    result = resolve_filter(farm.db, parse_filter('location:"Strip 1"'), LATER)
    assert result.animal_ids == sorted(result.animal_ids)
    assert result.roster_hash == compute_roster_hash(result.animal_ids)


def test_the_roster_hash_ignores_order_and_covers_the_location():
    a, b = "01ARZ3NDEKTSV4RRFFQ69G5FAV", "01BX5ZZKBKACTAV9WEVGEMMVRZ"
    assert compute_roster_hash([a, b]) == compute_roster_hash([b, a])
    assert compute_roster_hash([a, b], "L") != compute_roster_hash([a, b])
    assert len(compute_roster_hash([])) == 16


@pytest.mark.parametrize(
    ("text", "message"),
    [('location:"Moon Base"', "no location called"), ("species:emu", "no species")],
)
def test_unknown_names_are_refused(farm, text, message):
    with pytest.raises(ValidationError) as refused:
        resolve_filter(farm.db, parse_filter(text), LATER)
    assert message in refused.value.message


def test_every_live_animal_now_reads_the_live_roster_and_agrees_with_the_intervals(farm):
    from animaltrack.selection.resolver import _resolve_through_intervals

    for at in (LATER, farm.now):
        fast = resolve_filter(farm.db, parse_filter(""), at)
        assert fast == _resolve_through_intervals(farm.db, parse_filter(""), at)
    assert names(farm, "", at=LATER) == ["d1", "g1", "h1", "h2", "h3"]
