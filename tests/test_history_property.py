"""Property: after any sequence of commands — many backdated, some refused, edits and deletes
among them — the live projections equal a replay of the log into a fresh database, egg
statistics computed on both agree, what the API answers for each event's animals (producers)
and locations agrees too (so nothing frozen at record time can hide), and every refused command
left the database file exactly as it was."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from animaltrack.errors import AnimalTrackError
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
    FeedGivenPayload,
    FeedPurchasedPayload,
    HatchRecordedPayload,
    LocationArchivedPayload,
    LocationCreatedPayload,
    LocationRenamedPayload,
    ProductCollectedPayload,
    YieldItem,
)
from animaltrack.events.store import EventStore
from animaltrack.queries.subjects import events_of_animals, subjects_of
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.stats import get_egg_stats
from tests.farm import HOUR, T0, Farm, assert_live_equals_replay

LOCATION_NAMES = ["Strip 1", "Strip 2", "Strip 3", "Nursery 1", "Pond", "Barn"]
NICKNAMES = ["Daisy", "daisy", "Bella", "Gus"]
TAGS = ["broody", "lame", "Ring 7"]


def _animals(farm: Farm) -> list[str]:
    return [r[0] for r in farm.db.execute("SELECT animal_id FROM animal_registry ORDER BY 1")]


def _locations(farm: Farm) -> list[str]:
    return [r[0] for r in farm.db.execute("SELECT id FROM locations ORDER BY 1")]


def _events(farm: Farm) -> list[str]:
    return [
        r[0]
        for r in farm.db.execute(
            "SELECT id FROM events WHERE actor <> 'system'"
            " AND id NOT IN (SELECT target_event_id FROM event_tombstones) ORDER BY 1"
        )
    ]


def _some(data, items, most=3):
    if not items:
        return ["0" * 26]  # an unknown animal: refused, which is fine
    return data.draw(st.lists(st.sampled_from(items), min_size=1, max_size=most, unique=True))


def run_commands(farm: Farm, data, most: int) -> None:
    """Between 3 and `most` random commands at random hours: backdated, refused, edited and
    deleted ones among them (a refusal is part of the history, not a failure)."""
    for _ in range(data.draw(st.integers(3, most), label="steps")):
        ts = T0 + data.draw(st.integers(0, 60), label="hour") * HOUR
        try:
            _command(farm, data, ts)()
        except AnimalTrackError:
            pass


def _command(farm: Farm, data, ts: int):
    """Draw one command and return a thunk that runs it."""
    a, loc = _animals(farm), _locations(farm)
    pick_loc = lambda: data.draw(st.sampled_from(loc))  # noqa: E731
    kind = data.draw(
        st.sampled_from(
            [
                "cohort",
                "cohort",
                "move",
                "move",
                "attrs",
                "tag",
                "untag",
                "promote",
                "hatch",
                "outcome",
                "merge",
                "correct",
                "loc_create",
                "loc_rename",
                "loc_archive",
                "collect",
                "feed_buy",
                "feed_give",
                "edit",
                "delete",
            ]
        )
    )
    s, actor = farm.animals, "ines"
    if kind == "cohort":
        payload = AnimalCohortCreatedPayload(
            species=data.draw(st.sampled_from(["duck", "goose"])),
            count=data.draw(st.integers(1, 3)),
            life_stage=data.draw(st.sampled_from(["juvenile", "adult"])),
            sex=data.draw(st.sampled_from(["female", "male", "unknown"])),
            location_id=pick_loc(),
        )
        return lambda: s.create_cohort(payload, ts, actor)
    if kind == "move":
        ids, to = _some(data, a), pick_loc()
        return lambda: s.move_animals(
            AnimalMovedPayload(resolved_ids=ids, to_location_id=to), ts, actor
        )
    if kind == "attrs":
        attrs = AttributeSet(
            life_stage=data.draw(st.sampled_from(["subadult", "adult"])),
            sex=data.draw(st.sampled_from([None, "female", "male"])),
        )
        ids = _some(data, a)
        return lambda: s.update_attributes(
            AnimalAttributesUpdatedPayload(resolved_ids=ids, set=attrs), ts, actor
        )
    if kind in ("tag", "untag"):
        ids, tag = _some(data, a), data.draw(st.sampled_from(TAGS))
        if kind == "tag":
            return lambda: s.add_tag(AnimalTaggedPayload(resolved_ids=ids, tag=tag), ts, actor)
        return lambda: s.end_tag(AnimalTagEndedPayload(resolved_ids=ids, tag=tag), ts, actor)
    if kind == "promote":
        (animal,) = _some(data, a, most=1)
        nick = data.draw(st.sampled_from(NICKNAMES))
        return lambda: s.promote_animal(
            AnimalPromotedPayload(animal_id=animal, nickname=nick), ts, actor
        )
    if kind == "hatch":
        payload = HatchRecordedPayload(
            species="duck",
            location_id=pick_loc(),
            assigned_brood_location_id=data.draw(st.sampled_from([None, *loc])),
            hatched_live=data.draw(st.integers(1, 3)),
        )
        return lambda: s.record_hatch(payload, ts, actor)
    if kind == "outcome":
        outcome = data.draw(st.sampled_from(["death", "harvest", "sold", "predator"]))
        yields = (
            [YieldItem(product_code="meat", quantity=Decimal("1.25"))]
            if outcome == "harvest"
            else []
        )
        ids = _some(data, a)
        return lambda: s.record_outcome(
            AnimalOutcomePayload(resolved_ids=ids, outcome=outcome, yield_items=yields), ts, actor
        )
    if kind == "merge":
        ids = _some(data, a, most=3)
        if len(ids) < 2:
            ids = [*ids, "7" * 26]
        payload = AnimalMergedPayload(survivor_id=ids[0], merged_ids=ids[1:])
        return lambda: s.merge_animals(payload, ts, "ppetru")
    if kind == "correct":
        ids = _some(data, a, most=2)
        status = data.draw(st.sampled_from(["alive", "dead", "sold"]))
        payload = AnimalStatusCorrectedPayload(animal_ids=ids, new_status=status, reason="typo")
        return lambda: s.correct_status(payload, ts, "ppetru")
    if kind == "loc_create":
        name = data.draw(st.sampled_from(LOCATION_NAMES))
        return lambda: farm.locations.create_location(
            LocationCreatedPayload(name=name), ts, "ppetru"
        )
    if kind == "loc_rename":
        target, name = pick_loc(), data.draw(st.sampled_from(LOCATION_NAMES))
        return lambda: farm.locations.rename_location(
            LocationRenamedPayload(location_id=target, new_name=name), ts, "ppetru"
        )
    if kind == "loc_archive":
        target = pick_loc()
        return lambda: farm.locations.archive_location(
            LocationArchivedPayload(location_id=target), ts, "ppetru"
        )
    if kind == "collect":
        payload = ProductCollectedPayload(
            location_id=pick_loc(),
            product_code="egg.duck",
            quantity=Decimal(data.draw(st.integers(1, 9))),
        )
        return lambda: farm.products.collect_product(payload, ts, actor)
    if kind == "feed_buy":
        payload = FeedPurchasedPayload(
            feed_type_code="layer", bags_count=1, bag_price_cents=data.draw(st.integers(1000, 3000))
        )
        return lambda: farm.feed.purchase_feed(payload, ts, actor)
    if kind == "feed_give":
        payload = FeedGivenPayload(
            location_id=pick_loc(), feed_type_code="layer", amount_kg=data.draw(st.integers(1, 5))
        )
        return lambda: farm.feed.give_feed(payload, ts, actor)
    events = _events(farm)
    if not events:
        return lambda: None
    target = data.draw(st.sampled_from(events))
    if kind == "edit":
        return lambda: edit_event(
            farm.db,
            farm.store,
            farm.registry,
            target,
            actor="ppetru",
            role="admin",
            ts_utc=ts,
            payload={"notes": "edited"}
            if not farm.store.get_event(target).type.startswith("Location")
            else {},
        )
    cascade = data.draw(st.booleans())
    return lambda: delete_event(
        farm.db,
        farm.store,
        farm.registry,
        target,
        actor="ppetru",
        role="admin",
        reason="test",
        cascade=cascade,
    )


def assert_same_subjects(live, replayed) -> None:
    """What the API answers for each event's animals (producers included) and locations is the
    same live and after a replay, and `events(animalId:)` reads the same relation backwards."""
    events = EventStore(live).list_events()
    answered = subjects_of(live, events)
    assert answered == subjects_of(replayed, events)
    animals = [r[0] for r in live.execute("SELECT animal_id FROM animal_registry")]
    for animal in animals:
        sql, params = events_of_animals([animal])
        found = {r[0] for r in live.execute(sql, params)}
        assert found == {e for e, s in answered.items() if animal in s.animal_ids}, animal


@given(st.data())
def test_projections_equal_replay_after_any_commands(data):
    with tempfile.TemporaryDirectory() as tmp:
        farm = Farm(Path(tmp) / "farm.db")
        try:
            steps = data.draw(st.integers(4, 30), label="steps")
            for _ in range(steps):
                # Hour offsets drawn in any order: most commands land before some earlier one.
                ts = T0 + data.draw(st.integers(0, 60), label="hour") * HOUR
                run = _command(farm, data, ts)
                before = farm.committed_state()
                try:
                    run()
                except AnimalTrackError:
                    assert farm.committed_state() == before, "a refused command changed the file"
            assert_live_equals_replay(farm)
            with farm.replayed() as replayed:
                assert_same_subjects(farm.db, replayed)
                for location in _locations(farm):
                    for at, days in ((T0 + 30 * HOUR, 1), (T0 + 61 * HOUR, 30)):
                        assert get_egg_stats(farm.db, location, at, days) == get_egg_stats(
                            replayed, location, at, days
                        )
        finally:
            farm.close()
