"""The rules' two `FarmState`s agree (SPEC §6.1): on any history, the live tables as the events
before T left them (`SqlFarmState`) and the batch fold's memory of the same events
(`MemoryFarmState`) give every event the same verdict — and so do nearby events that never
happened: moved earlier, later or into the same millisecond, naming another animal (not yet
born, dead, merged, unknown), another location (archived, not yet created, unknown, in lower
case), a nickname already held, feed before any purchase. The readers themselves are compared
too, at instants before, at and after the events already folded.

The SQL side is built as the live path builds it, one event at a time (`registry.apply`) with the
log holding exactly the events before the one checked; the memory side is the batch builds the
rebuild uses, fed the same events. So the test checks what `bench.check` relies on: checking a
history in one pass in memory refuses exactly what the services would have refused."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from animaltrack.errors import AnimalTrackError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMergedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    AnimalPromotedPayload,
    AnimalStatusCorrectedPayload,
    FeedGivenPayload,
    FeedPurchasedPayload,
    LocationArchivedPayload,
    LocationRenamedPayload,
    ProductCollectedPayload,
    dump_payload,
)
from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.state import (
    RULE_PROJECTIONS,
    FarmState,
    MemoryFarmState,
    SqlFarmState,
)
from animaltrack.queries.subjects import derives_producers
from animaltrack.services import rules
from animaltrack.services.products import require_producers
from store import connect, transaction
from store.migrations import REFERENCE_TABLES, migrate
from tests.farm import HOUR, T0, Farm
from tests.test_history_property import LOCATION_NAMES, NICKNAMES, run_commands

UNKNOWN = "0" * 26
ANIMAL_LISTS = ("resolved_ids", "animal_ids", "merged_ids")
ANIMAL_ONES = ("animal_id", "survivor_id")
PLACES = ("location_id", "to_location_id", "assigned_brood_location_id")


def verdict(farm: FarmState, event: Event):
    """What the services would say recording this event: None, or the refusal in full."""
    try:
        rules.check_event(farm, event)
        if derives_producers(event):
            product = farm.require_product(event.payload["product_code"])
            require_producers(farm, product, event.payload["location_id"], event.ts_utc)
    except AnimalTrackError as error:
        return (
            type(error).__name__,
            error.message,
            getattr(error, "field", None),
            getattr(error, "conflicting_event_ids", None),
        )
    return None


def reads(farm: FarmState, animals: list[str], places: list[str], ts: int) -> dict:
    """Every reader of the interface at ts, over every animal and place of the history."""
    found = {
        "states": farm.states_at(animals, ts),
        "known": [a for a in animals if farm.known(a)],
        "species": farm.species_of(animals),
        "survivors": {a: farm.survivor_of(a) for a in animals},
        "nicknames": {
            (n, a): farm.nickname_holders_from(n, ts, a)
            for n in NICKNAMES + ["DAISY", "Gus"]
            for a in animals[:1] + [UNKNOWN]
        },
        "price": farm.price_at("layer", ts),
        "events": [e.id for e in farm.location_events()],
    }
    for place in places:
        found[place] = (
            farm.live_at_location(place, ts),
            farm.animals_at_location_from(place, ts),
        )
        try:
            found[place, "location"] = farm.location(place.lower())
        except AnimalTrackError as error:
            found[place, "location"] = error.message
    return found


def _with(event: Event, ts: int | None = None, **changes) -> Event:
    payload = {**event.payload, **changes}
    refs = facts_refs(event.type, payload, created_animal_ids(event.type, event.entity_refs))
    return Event(
        event.id, event.type, event.ts_utc if ts is None else ts, event.actor, refs, payload
    )


def _new(event_type: str, payload, ts: int) -> Event:
    """A candidate event as a service builds it before appending (id `~`, after every other)."""
    body = dump_payload(payload)
    return Event("~", event_type, ts, "ines", facts_refs(event_type, body, []), body)


@dataclass
class Pools:
    """What candidates draw from: the animals and nicknames of the history so far, every place
    of the history, and the instants at which something happened so far (interval bounds)."""

    animals: list[str]
    places: list[str]
    names: list[str]
    times: list[int]


def _instant(data, ts: int, pools: Pools) -> int:
    """An instant near ts — the same millisecond, one either side, hours away — or on (or
    next to) the instant of an earlier event, where an interval begins or ends."""
    near = st.one_of(st.sampled_from([0, -1, 1]), st.integers(-30, 30).map(lambda h: h * HOUR))
    if data.draw(st.booleans(), label="on an earlier instant") and pools.times:
        ts = data.draw(st.sampled_from(pools.times), label="earlier")
        near = st.sampled_from([0, 0, -1, 1])
    return max(0, ts + data.draw(near, label="shift"))


def _perturbed(data, event: Event, pools: Pools) -> Event:
    """The event with its time, one named animal set or one place changed."""
    pick_animal = st.sampled_from([*pools.animals, UNKNOWN])
    pick_place = st.sampled_from([*pools.places, UNKNOWN]).flatmap(
        lambda p: st.sampled_from([p, p.lower()])
    )
    retime = data.draw(st.booleans(), label="retime")
    ts = _instant(data, event.ts_utc, pools) if retime else None
    keys = [k for k in (*ANIMAL_LISTS, *ANIMAL_ONES, *PLACES, "nickname") if event.payload.get(k)]
    if not keys:
        return _with(event, ts if ts is not None else _instant(data, event.ts_utc, pools))
    key = data.draw(st.sampled_from(keys), label="field")
    if key in ANIMAL_LISTS:
        value = data.draw(st.lists(pick_animal, min_size=1, max_size=3, unique=True))
        if key == "merged_ids":
            value = [a for a in value if a != event.payload["survivor_id"]] or [UNKNOWN]
    elif key in ANIMAL_ONES:
        value = data.draw(pick_animal)
        if key == "survivor_id" and value in event.payload["merged_ids"]:
            value = UNKNOWN
    elif key in PLACES:
        value = data.draw(pick_place)
    else:
        value = data.draw(st.sampled_from(pools.names))
    return _with(event, ts, **{key: value})


def _invented(data, ts: int, pools: Pools) -> Event:
    """An event of a kind whose rule reads the farm, about any animals and places."""
    ts = _instant(data, ts, pools)
    pool = [*pools.animals, UNKNOWN]
    some = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    place = data.draw(st.sampled_from([*pools.places, UNKNOWN]), label="place")
    kind = data.draw(
        st.sampled_from(
            ["move", "promote", "outcome", "merge", "correct", "archive", "rename", "give", "egg"]
        ),
        label="invented",
    )
    if kind == "move":
        return _new(t.ANIMAL_MOVED, AnimalMovedPayload(resolved_ids=some, to_location_id=place), ts)
    if kind == "promote":
        nickname = data.draw(st.sampled_from(pools.names))
        payload = AnimalPromotedPayload(animal_id=some[0], nickname=nickname)
        return _new(t.ANIMAL_PROMOTED, payload, ts)
    if kind == "outcome":
        payload = AnimalOutcomePayload(resolved_ids=some, outcome="death")
        return _new(t.ANIMAL_OUTCOME, payload, ts)
    if kind == "merge":
        other = data.draw(st.sampled_from([a for a in [*pool, "7" * 26] if a != some[0]]))
        merged = [a for a in some[1:] if a != other] + [other]
        payload = AnimalMergedPayload(survivor_id=some[0], merged_ids=merged)
        return _new(t.ANIMAL_MERGED, payload, ts)
    if kind == "correct":
        status = data.draw(st.sampled_from(["alive", "dead", "sold", "harvested"]))
        payload = AnimalStatusCorrectedPayload(animal_ids=some, new_status=status, reason="typo")
        return _new(t.ANIMAL_STATUS_CORRECTED, payload, ts)
    if kind == "archive":
        return _new(t.LOCATION_ARCHIVED, LocationArchivedPayload(location_id=place), ts)
    if kind == "rename":
        name = data.draw(st.sampled_from(LOCATION_NAMES))
        payload = LocationRenamedPayload(location_id=place, new_name=name)
        return _new(t.LOCATION_RENAMED, payload, ts)
    if kind == "give":
        payload = FeedGivenPayload(location_id=place, feed_type_code="layer", amount_kg=1)
        return _new(t.FEED_GIVEN, payload, ts)
    payload = ProductCollectedPayload(location_id=place, product_code="egg.duck", quantity=1)
    return _new(t.PRODUCT_COLLECTED, payload, ts)


def _append(db, event: Event) -> None:
    """Put a recorded event into the log as it was (the projections read the log's own
    location events, so the log must hold exactly the history folded so far)."""
    EventStore(db).store_recorded([event])


def _reference_data(source: Path, db) -> None:
    db.execute("ATTACH DATABASE ? AS source", (str(source),))
    try:
        with transaction(db):
            for table in REFERENCE_TABLES:
                db.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
    finally:
        db.execute("DETACH DATABASE source")


def _history(farm: Farm, data) -> None:
    """A few flocks and a feed purchase early on, then any commands at any hours (backdated,
    refused, edited and deleted ones among them), so most candidates meet living animals."""
    places = [r[0] for r in farm.db.execute("SELECT id FROM locations ORDER BY 1")]
    for species in ("duck", "duck", "goose"):
        payload = AnimalCohortCreatedPayload(
            species=species,
            count=data.draw(st.integers(1, 3), label="count"),
            life_stage="adult",
            location_id=data.draw(st.sampled_from(places), label="flock place"),
        )
        hour = data.draw(st.integers(0, 12), label="flock hour")
        cohort = farm.animals.create_cohort(payload, T0 + hour * HOUR, "ines")
        nickname = data.draw(st.sampled_from(NICKNAMES), label="nickname")
        payload = AnimalPromotedPayload(animal_id=cohort.animal_ids()[0], nickname=nickname)
        with contextlib.suppress(AnimalTrackError):  # the name may be taken: fine
            farm.animals.promote_animal(payload, T0 + (hour + 1) * HOUR, "ines")
    if data.draw(st.booleans(), label="early purchase"):
        payload = FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=2000)
        farm.feed.purchase_feed(payload, T0 + data.draw(st.integers(0, 30)) * HOUR, "ines")
    run_commands(farm, data, most=30)


def _so_far(db) -> tuple[list[str], list[str]]:
    """The animals and nicknames of the history folded so far (read from the SQL side: the
    pools candidates draw from, so that they meet real animals and real clashes)."""
    animals = [r[0] for r in db.execute("SELECT animal_id FROM animal_registry ORDER BY 1")]
    names = db.execute(
        "SELECT DISTINCT value FROM animal_attr_intervals WHERE attr = 'nickname' ORDER BY 1"
    )
    return animals, [r[0] for r in names]


@settings(max_examples=30)
@given(data=st.data())
def test_sql_and_memory_farm_states_give_every_event_the_same_verdict(data):
    with tempfile.TemporaryDirectory() as tmp:
        farm = Farm(Path(tmp) / "farm.db")
        try:
            _history(farm, data)
            events = farm.store.list_events()
        finally:
            farm.close()

        db = connect(Path(tmp) / "sql.db")
        try:
            migrate(db)
            _reference_data(Path(tmp) / "farm.db", db)
            registry = default_registry(db)
            build = default_registry(db, RULE_PROJECTIONS).batches()
            sql, memory = SqlFarmState(db), MemoryFarmState(build, db)
            everyone = sorted({a for e in events for a in e.animal_ids()})
            places = sorted({p for e in events for p in e.location_ids()})
            times: set[int] = set()
            for event in events:
                known, nicknames = _so_far(db)
                pools = Pools(
                    # Mostly animals already recorded; sometimes one recorded only later.
                    animals=known + everyone[:1] if known else everyone,
                    places=places,
                    names=[*NICKNAMES, "DAISY", *nicknames, *(n.upper() for n in nicknames)],
                    times=sorted(times),
                )
                candidates = [event]
                for _ in range(data.draw(st.integers(0, 3), label="perturbed")):
                    candidates.append(_perturbed(data, event, pools))
                for _ in range(data.draw(st.integers(0, 4), label="invented")):
                    candidates.append(_invented(data, event.ts_utc, pools))
                for candidate in candidates:
                    assert verdict(sql, candidate) == verdict(memory, candidate), candidate
                at = _instant(data, event.ts_utc, pools)
                answers = reads(sql, everyone, places, at)
                for question, answer in reads(memory, everyone, places, at).items():
                    assert answer == answers[question], (question, at)

                with transaction(db):
                    _append(db, event)
                    registry.apply(event)
                build.add(event)
                times.add(event.ts_utc)
        finally:
            db.close()
