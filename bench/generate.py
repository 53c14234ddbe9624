"""A seeded, valid-by-construction farm history, for the benchmarks and for `simulate`.

`generate_history(db, seed=..., events=..., animals=..., start_ts=...)` writes a realistic log
into a migrated, empty database and folds it with `animaltrack.projections.replay.replay`. The
same arguments give the same log, byte for byte: one `random.Random(seed)` drives every choice,
the clock is simulated, and ids are ULIDs made from the simulated clock and a second seeded
random source, each greater than the last.

**Valid by construction.** The generator keeps every animal's state in memory (alive, location,
species, sex, life stage, tags, nickname) and only writes events that pass their rules at their
place in history, so events go straight to `EventStore.append_event` with no per-command check.
Events are appended in time order (no backdating), so the replay is the in-order fold.
`bench.check.check_history` re-checks a history with the services' own rules.

**The farm.** The eight seeded locations: ducklings grow up in the nurseries and move to the
strips when adult. Every day: feed purchases when stock runs low (the first before any feed is
given), feed given at each location with live animals, eggs collected at each location with live
adult female ducks (producers are not stored: they are answered from the intervals), new
cohorts and hatches of 5–60 animals, life-stage and sex updates as animals age, outcomes
(harvests with yields in kg, deaths, sales), and a filler of moves, tags, tag ends, promotions
and repro-status updates naming 1–5 animals (sometimes up to 20) that brings the log to exactly
`events`. A few merges and status corrections are spread over the history. The number of days
is about `events / 300`; animal lifetimes are set so that about `alive` animals live at a time.

Events carry facts only, as the services write them: the payload and, for cohorts and hatches,
the ids they create (`EventStore` derives the stored refs from those, SPEC §1.9).

The seed locations are written here (`LocationCreated` at ts 0 by `system`, the fixed ids of
`seeds/locations.json`) rather than by `animaltrack.seeding.seed`, whose `EventStore` stamps ids
with the real clock, which would make two runs differ.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ulid import ULID

from animaltrack.events import types as t
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
    FeedGivenPayload,
    FeedPurchasedPayload,
    HatchRecordedPayload,
    LocationCreatedPayload,
    Payload,
    ProductCollectedPayload,
    ProductSoldPayload,
    YieldItem,
)
from animaltrack.events.store import EventStore
from animaltrack.projections.replay import replay
from store import transaction
from store.seeding import load_seed, seed_reference

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# 2015-01-01T00:00:00Z: a 1 000 000-event history (about nine years) ends well before today.
DEFAULT_START_TS = 1_420_070_400_000
EVENTS_PER_DAY = 300
MAX_ALIVE = 3_000
COMMIT_EVERY = 50_000

# Progress callback: (phase, done, total); phase is "append" or "fold".
Progress = Callable[[str, int, int], None]

STAFF = ("ppetru", "ines")
ADMIN = "ppetru"
TAGS = (
    "broody",
    "limp",
    "vaccinated",
    "for-sale",
    "watch",
    "ring:blue",
    "ring:red",
    "ring:green",
    "moulting",
    "show",
)
NAMES = (
    "Daisy",
    "Pip",
    "Clover",
    "Maple",
    "Juniper",
    "Hazel",
    "Olive",
    "Bramble",
    "Puddle",
    "Nutmeg",
    "Willow",
    "Pebble",
    "Biscuit",
    "Fern",
    "Saffron",
    "Tansy",
)
VENDORS = ("Agro Sul", "Moagem Lopes", "Coop. Ribatejo")
BUYERS = ("market", "neighbour", "restaurant", None)


def default_animals(events: int) -> int:
    """Animals ever, for a history of `events` events (100 000 for 1 000 000)."""
    return max(50, events // 10)


def default_alive(animals: int) -> int:
    """About how many animals live at a time (3 000 for 100 000 ever)."""
    return min(MAX_ALIVE, max(60, animals // 5))


@dataclass
class HistorySummary:
    """What `generate_history` wrote."""

    seed: int
    events: int
    animals: int
    alive_at_end: int
    days: int
    start_ts: int
    end_ts: int  # the `ts_utc` of the last event
    counts: dict[str, int]
    append_seconds: float
    fold_seconds: float
    location_ids: dict[str, str] = field(default_factory=dict)

    @property
    def mid_ts(self) -> int:
        return (self.start_ts + self.end_ts) // 2

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> HistorySummary:
        return cls(**data)


class SeededUlids:
    """Strictly increasing ULIDs: the time part from `clock_ms()`, the rest from `rng`."""

    def __init__(self, rng: random.Random, clock_ms: Callable[[], int]):
        self.rng = rng
        self.clock_ms = clock_ms
        self.last = 0

    def __call__(self) -> str:
        value = (self.clock_ms() << 80) | self.rng.getrandbits(80)
        if value <= self.last:
            value = self.last + 1
        self.last = value
        return str(ULID.from_int(value))


class _Pool:
    """A set with O(1) add, discard and uniform choice, iterated in a seeded order."""

    __slots__ = ("items", "index")

    def __init__(self) -> None:
        self.items: list = []
        self.index: dict = {}

    def add(self, item) -> None:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)

    def discard(self, item) -> None:
        i = self.index.pop(item, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.index[last] = i

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item) -> bool:
        return item in self.index

    def choice(self, rng: random.Random):
        return self.items[rng.randrange(len(self.items))]

    def sample(self, rng: random.Random, k: int) -> list:
        return rng.sample(self.items, min(k, len(self.items)))


class _Animal:
    __slots__ = (
        "id",
        "species",
        "sex",
        "stage",
        "location",
        "tags",
        "alive",
        "nickname",
        "long_lived",
        "left_day",
    )

    def __init__(self, animal_id, species, sex, stage, location, long_lived):
        self.id = animal_id
        self.species = species
        self.sex = sex
        self.stage = stage
        self.location = location
        self.tags: list[str] = []
        self.alive = True
        self.nickname: str | None = None
        self.long_lived = long_lived
        self.left_day = -1


class _TargetReached(Exception):
    """The log holds the number of events asked for."""


# Life stages in order, and when (as a fraction of the mean lifetime) an animal reaches each.
_STAGES = ("hatchling", "juvenile", "subadult", "adult")
_STAGE_AGE = {"hatchling": 0.0, "juvenile": 0.15, "subadult": 0.32, "adult": 0.5}
_SEX_AGE = 0.25


class _Farm:
    def __init__(self, db, *, seed, events, animals, alive, start_ts, progress):
        self.db = db
        self.rng = random.Random(seed)
        self.target = events
        self.animals_target = animals
        self.start_ts = start_ts
        self.progress = progress
        self.days = max(10, round(events / EVENTS_PER_DAY))
        # Mean lifetime in days so that creation rate × lifetime ≈ alive.
        self.life = max(1.0, alive * self.days / animals)
        self.now = start_ts
        self.ids = SeededUlids(random.Random(seed ^ 0x5EED_1D5), lambda: self.now)
        self.store = EventStore(db, clock=lambda: self.now, new_id=self.ids)
        self.count = 0
        self.counts: Counter[str] = Counter()
        self.created = 0
        self.alive = _Pool()
        self.at: dict[str, _Pool] = {}
        self.tagged: dict[str, _Pool] = {tag: _Pool() for tag in TAGS}
        self.strips: list[str] = []
        self.nurseries: list[str] = []
        self.location_ids: dict[str, str] = {}
        self.schedule: dict[int, list[tuple[_Animal, str, str]]] = {}
        self.deaths: dict[int, list[_Animal]] = {}
        self.recently_left: list[_Animal] = []
        self.stock_kg = {"starter": 0, "grower": 0, "layer": 0}
        self.price_cents = {"starter": 2100, "grower": 1900, "layer": 1800}
        self.meat_g = 0
        self.nicknames = 0
        self.corrections = 0
        self.struct_events = 0
        self.step_ms = max(1, 14 * HOUR_MS // EVENTS_PER_DAY)
        merges = max(1, events // 50_000)
        corrections = max(2, events // 50_000)
        first = max(1, self.days // 10)
        self.merge_days = Counter(self.rng.randrange(first, self.days) for _ in range(merges))
        self.correction_days = Counter(
            self.rng.randrange(first, self.days) for _ in range(corrections)
        )

    # -- writing ---------------------------------------------------------------------------

    def emit(self, event_type: str, payload: Payload, actor: str | None = None, created: list = ()):
        self.now += self.rng.randint(1, 2 * self.step_ms)
        actor = actor or STAFF[self.rng.random() < 0.35]
        refs = {"animal_ids": list(created)} if created else {}
        self.store.append_event(event_type, self.now, actor, refs, payload)
        self.count += 1
        self.counts[event_type] += 1
        if self.progress is not None and self.count % 1000 == 0:
            self.progress("append", self.count, self.target)
        if self.count >= self.target:
            raise _TargetReached

    def run(self) -> None:
        with transaction(self.db):
            seed_reference(self.db, now_ms=self.start_ts)
            for row in load_seed("locations"):
                payload = LocationCreatedPayload(location_id=row["id"], name=row["name"])
                self.store.append_event(
                    t.LOCATION_CREATED, 0, "system", {"location_id": row["id"]}, payload
                )
                self.location_ids[row["name"]] = row["id"]
                group = self.strips if row["name"].startswith("Strip") else self.nurseries
                group.append(row["id"])
                self.at[row["id"]] = _Pool()
        day = 0
        while day < self.days:
            with transaction(self.db):
                boundary = self.count + COMMIT_EVERY
                try:
                    while day < self.days and self.count < boundary:
                        self.day(day)
                        day += 1
                except _TargetReached:
                    day = self.days
        if self.progress is not None:
            self.progress("append", self.count, self.target)

    # -- one day ---------------------------------------------------------------------------

    def day(self, d: int) -> None:
        self.now = max(self.now, self.start_ts + d * DAY_MS + 6 * HOUR_MS)
        before = self.count
        self.births(d)
        self.transitions(d)
        self.feed(d)
        self.eggs()
        self.outcomes(d)
        self.occasional(d)
        self.struct_events += self.count - before
        days_after = self.days - d - 1
        per_day = self.struct_events / (d + 1)
        remaining = self.target - self.count
        fill = (remaining - per_day * days_after) / (days_after + 1)
        goal = self.count + (max(0, round(fill)) if days_after else remaining)
        tries = 0
        while self.count < goal and len(self.alive) and tries < 4 * (goal - before) + 100:
            self.filler()
            tries += 1

    # -- animals arrive --------------------------------------------------------------------

    def births(self, d: int) -> None:
        due = round(self.animals_target * (d + 1) / self.days) - self.created
        last = d == self.days - 1
        while due >= 5 or (last and due > 0):
            size = min(self.rng.randint(5, 60), due) if not last else min(60, due)
            size = max(1, size)
            ducks_at = [s for s in self.strips if self._has(s, "duck")]
            if ducks_at and self.rng.random() < 0.25:
                self.hatch(d, self.rng.choice(ducks_at), min(size, 15))
                due -= min(size, 15)
            else:
                self.cohort(d, size)
                due -= size

    def _new_animals(self, d, n, species, sex, stage, location) -> list[_Animal]:
        ids = sorted({self.ids().upper() for _ in range(n)})
        created = []
        for animal_id in ids:
            long_lived = self.rng.random() < 0.45
            animal = _Animal(animal_id, species, sex, stage, location, long_lived)
            span = self.rng.uniform(1.0, 2.3) if long_lived else self.rng.uniform(0.35, 0.9)
            age = _STAGE_AGE[stage]
            self._plan(d, animal, age, max(1, round((span - age / 2) * self.life)))
            self._enter(animal)
            created.append(animal)
        self.created += len(created)
        return created

    def _plan(self, d: int, animal: _Animal, age: float, lifetime_days: int) -> None:
        self.deaths.setdefault(d + lifetime_days, []).append(animal)
        for stage in _STAGES[_STAGES.index(animal.stage) + 1 :]:
            if stage == "subadult" and self.rng.random() < 0.5:
                continue
            when = d + max(1, round((_STAGE_AGE[stage] - age) * self.life))
            self.schedule.setdefault(when, []).append((animal, "life_stage", stage))
        if animal.sex == "unknown":
            when = d + max(1, round(max(0.05, _SEX_AGE - age) * self.life))
            sex = "female" if self.rng.random() < 0.6 else "male"
            self.schedule.setdefault(when, []).append((animal, "sex", sex))

    def cohort(self, d: int, size: int) -> None:
        species = "duck" if self.rng.random() < 0.85 else "goose"
        roll = self.rng.random()
        stage = "hatchling" if roll < 0.35 else "juvenile" if roll < 0.75 else "adult"
        sex = "unknown"
        if stage == "adult" and self.rng.random() < 0.6:
            sex = "female"
        place = self.rng.choice(self.strips if stage == "adult" else self.nurseries)
        origin = self.rng.choice(("purchased", "purchased", "purchased", "rescued", "unknown"))
        animals = self._new_animals(d, size, species, sex, stage, place)
        payload = AnimalCohortCreatedPayload(
            species=species,
            count=size,
            life_stage=stage,
            sex=sex,
            location_id=place,
            origin=origin,
            notes="delivered in crates" if self.rng.random() < 0.2 else None,
        )
        self.emit(t.ANIMAL_COHORT_CREATED, payload, created=[a.id for a in animals])

    def hatch(self, d: int, strip: str, size: int) -> None:
        brood = self.rng.choice(self.nurseries) if self.rng.random() < 0.8 else None
        animals = self._new_animals(d, size, "duck", "unknown", "hatchling", brood or strip)
        payload = HatchRecordedPayload(
            species="duck", location_id=strip, assigned_brood_location_id=brood, hatched_live=size
        )
        self.emit(t.HATCH_RECORDED, payload, created=[a.id for a in animals])

    # -- animals grow ----------------------------------------------------------------------

    def transitions(self, d: int) -> None:
        due = self.schedule.pop(d, [])
        groups: dict[tuple[str, str, str], list[_Animal]] = {}
        for animal, attr, value in due:
            if not animal.alive:
                continue
            if attr == "life_stage" and _STAGES.index(value) <= _STAGES.index(animal.stage):
                continue
            if attr == "sex" and animal.sex != "unknown":
                continue
            groups.setdefault((animal.location, attr, value), []).append(animal)
        grown: dict[str, list[_Animal]] = {}
        for (place, attr, value), animals in groups.items():
            for chunk in self._chunks(animals, 8):
                for animal in chunk:
                    setattr(animal, "stage" if attr == "life_stage" else "sex", value)
                self._selection_event(
                    t.ANIMAL_ATTRIBUTES_UPDATED,
                    chunk,
                    lambda ids, a=attr, v=value: AnimalAttributesUpdatedPayload(
                        resolved_ids=ids, set={a: v}
                    ),
                )
            if attr == "life_stage" and value == "adult" and place in self.nurseries:
                grown.setdefault(place, []).extend(animals)
        for animals in grown.values():
            for chunk in self._chunks([a for a in animals if a.alive], 20):
                self.move(chunk, self.rng.choice(self.strips))

    # -- daily chores ----------------------------------------------------------------------

    def _feed_type(self, place: str) -> str:
        if place in self.strips:
            return "layer"
        young = sum(1 for a in self.at[place].items if a.stage == "hatchling")
        return "starter" if 2 * young >= len(self.at[place]) else "grower"

    def feed(self, d: int) -> None:
        plan = []
        for place in (*self.strips, *self.nurseries):
            if len(self.at[place]):
                kg = max(1, round(len(self.at[place]) * 0.17))
                plan.append((place, self._feed_type(place), kg))
        for code in self.stock_kg:
            need = sum(kg for _, c, kg in plan if c == code)
            if d == 0 or self.stock_kg[code] < 3 * need:
                self.purchase(code, max(1, math.ceil(max(need, 20) * 10 / 20)))
        for place, code, kg in plan:
            self.stock_kg[code] -= kg
            payload = FeedGivenPayload(location_id=place, feed_type_code=code, amount_kg=kg)
            self.emit(t.FEED_GIVEN, payload)

    def purchase(self, code: str, bags: int) -> None:
        self.price_cents[code] = max(800, self.price_cents[code] + self.rng.randint(-60, 80))
        payload = FeedPurchasedPayload(
            feed_type_code=code,
            bag_size_kg=20,
            bags_count=bags,
            bag_price_cents=self.price_cents[code],
            vendor=self.rng.choice(VENDORS),
        )
        self.stock_kg[code] += 20 * bags
        self.emit(t.FEED_PURCHASED, payload)

    def _has(self, place: str, species: str) -> bool:
        return any(a.species == species for a in self.at[place].items)

    def eggs(self) -> None:
        for place in (*self.strips, *self.nurseries):
            ducks = [a for a in self.at[place].items if a.species == "duck"]
            layers = sum(1 for a in ducks if a.sex == "female" and a.stage == "adult")
            if not layers:
                continue
            quantity = max(1, round(layers * self.rng.uniform(0.55, 0.9)))
            payload = ProductCollectedPayload(
                location_id=place, product_code="egg.duck", quantity=quantity
            )
            self.emit(t.PRODUCT_COLLECTED, payload)

    # -- animals leave ---------------------------------------------------------------------

    def outcomes(self, d: int) -> None:
        due = [a for a in self.deaths.pop(d, []) if a.alive]
        by_place: dict[str, list[_Animal]] = {}
        for animal in due:
            by_place.setdefault(animal.location, []).append(animal)
        for animals in by_place.values():
            for chunk in self._chunks(animals, 5):
                self.outcome(d, chunk)

    def outcome(self, d: int, animals: list[_Animal]) -> None:
        roll = self.rng.random()
        if not animals[0].long_lived:
            outcome = "harvest" if roll < 0.7 else "sold" if roll < 0.85 else "death"
        else:
            outcome = "death" if roll < 0.4 else "harvest" if roll < 0.8 else "sold"
        if outcome == "death" and self.rng.random() < 0.15:
            outcome = "predator"
        items = []
        if outcome == "harvest":
            n = len(animals)
            meat = Decimal(sum(self.rng.randint(1200, 2800) for _ in range(n))) / 1000
            items.append(YieldItem(product_code="meat", quantity=meat))
            self.meat_g += int(meat * 1000)
            feathers = Decimal(sum(self.rng.randint(50, 150) for _ in range(n))) / 1000
            items.append(YieldItem(product_code="feathers", quantity=feathers))
            if animals[0].species == "goose":
                down = Decimal(sum(self.rng.randint(20, 60) for _ in range(n))) / 1000
                items.append(YieldItem(product_code="down", quantity=down))
        reason = {"death": "found dead", "predator": "fox"}.get(outcome)
        self._selection_event(
            t.ANIMAL_OUTCOME,
            animals,
            lambda ids: AnimalOutcomePayload(
                resolved_ids=ids, outcome=outcome, reason=reason, yield_items=items
            ),
        )
        for animal in animals:
            self._leave(animal, d)

    def _enter(self, animal: _Animal) -> None:
        animal.alive = True
        self.alive.add(animal)
        self.at[animal.location].add(animal)

    def _leave(self, animal: _Animal, d: int, recent: bool = True) -> None:
        animal.alive = False
        animal.left_day = d
        self.alive.discard(animal)
        self.at[animal.location].discard(animal)
        for tag in animal.tags:
            self.tagged[tag].discard(animal)
        animal.tags = []
        if recent:
            self.recently_left.append(animal)
            if len(self.recently_left) > 200:
                del self.recently_left[:100]

    # -- now and then ----------------------------------------------------------------------

    def occasional(self, d: int) -> None:
        if self.rng.random() < 0.4:
            quantity = self.rng.randint(10, 120)
            price = self.rng.randint(25, 40)
            payload = ProductSoldPayload(
                product_code="egg.duck",
                quantity=quantity,
                total_price_cents=quantity * price,
                buyer=self.rng.choice(BUYERS),
            )
            self.emit(t.PRODUCT_SOLD, payload)
        if self.meat_g > 5000 and self.rng.random() < 0.15:
            grams = self.rng.randint(1000, self.meat_g)
            self.meat_g -= grams
            payload = ProductSoldPayload(
                product_code="meat",
                quantity=Decimal(grams) / 1000,
                total_price_cents=grams * self.rng.randint(6, 9) // 10,
                buyer=self.rng.choice(BUYERS),
            )
            self.emit(t.PRODUCT_SOLD, payload)
        for _ in range(self.merge_days.get(d, 0)):
            self.merge(d)
        for _ in range(self.correction_days.get(d, 0)):
            self.corrections += 1
            self.correct(d, back_to_life=self.corrections % 2 == 1)

    def merge(self, d: int) -> None:
        """Two or three records turn out to be one bird: merge them into the first."""
        for place in self.rng.sample(list(self.at), len(self.at)):
            for species in ("duck", "goose"):
                same = [a for a in self.at[place].items if a.species == species]
                if len(same) < 3:
                    continue
                survivor, *merged = self.rng.sample(same, self.rng.randint(2, 3))
                payload = AnimalMergedPayload(
                    survivor_id=survivor.id,
                    merged_ids=[a.id for a in merged],
                    notes="double-counted at delivery",
                )
                self.emit(t.ANIMAL_MERGED, payload, actor=ADMIN)
                for animal in merged:
                    self._leave(animal, d, recent=False)
                return

    def correct(self, d: int, back_to_life: bool) -> None:
        if back_to_life:
            candidates = [a for a in self.recently_left if not a.alive and a.left_day >= d - 3]
            if candidates:
                animal = self.rng.choice(candidates)
                payload = AnimalStatusCorrectedPayload(
                    animal_ids=[animal.id], new_status="alive", reason="recorded dead by mistake"
                )
                self.emit(t.ANIMAL_STATUS_CORRECTED, payload, ADMIN)
                self.recently_left.remove(animal)
                self._enter(animal)
                days = max(1, round(self.rng.uniform(0.2, 0.5) * self.life))
                self.deaths.setdefault(d + days, []).append(animal)
                return
        if len(self.alive):
            animal = self.alive.choice(self.rng)
            payload = AnimalStatusCorrectedPayload(
                animal_ids=[animal.id], new_status="dead", reason="found dead, never recorded"
            )
            self.emit(t.ANIMAL_STATUS_CORRECTED, payload, ADMIN)
            self._leave(animal, d)

    # -- the filler: what happens all day ----------------------------------------------------

    def filler(self) -> None:
        roll = self.rng.random()
        if roll < 0.50:
            group = self._group()
            self.move(group, self._destination(group))
        elif roll < 0.72:
            self.tag()
        elif roll < 0.88:
            self.end_tag() or self.tag()
        elif roll < 0.93:
            self.promote()
        else:
            self.repro()

    def _size(self) -> int:
        roll = self.rng.random()
        if roll < 0.35:
            return 1
        if roll < 0.55:
            return 2
        if roll < 0.70:
            return 3
        if roll < 0.82:
            return 4
        if roll < 0.92:
            return 5
        return self.rng.randint(6, 20)

    def _group(self, size: int | None = None) -> list[_Animal]:
        place = self.alive.choice(self.rng).location
        return self.at[place].sample(self.rng, size or self._size())

    def _destination(self, group: list[_Animal]) -> str:
        adults = all(a.stage == "adult" for a in group)
        here = group[0].location
        places = self.strips if adults else self.nurseries
        return self.rng.choice([p for p in places if p != here])

    def move(self, group: list[_Animal], to: str) -> None:
        source = group[0].location
        ids = sorted(a.id for a in group)
        self.emit(t.ANIMAL_MOVED, AnimalMovedPayload(resolved_ids=ids, to_location_id=to))
        for animal in group:
            self.at[source].discard(animal)
            animal.location = to
            self.at[to].add(animal)

    def tag(self) -> None:
        tag = self.rng.choice(TAGS)
        group = [a for a in self._group() if tag not in a.tags]
        if not group:
            return
        self._selection_event(
            t.ANIMAL_TAGGED, group, lambda ids: AnimalTaggedPayload(resolved_ids=ids, tag=tag)
        )
        for animal in group:
            animal.tags.append(tag)
            self.tagged[tag].add(animal)

    def end_tag(self) -> bool:
        tag = self.rng.choice(TAGS)
        if not len(self.tagged[tag]):
            return False
        first = self.tagged[tag].choice(self.rng)
        size = self._size()
        group = [a for a in self.tagged[tag].sample(self.rng, 4 * size) if a is not first]
        group = [first, *(a for a in group if a.location == first.location)][:size]
        self._selection_event(
            t.ANIMAL_TAG_ENDED, group, lambda ids: AnimalTagEndedPayload(resolved_ids=ids, tag=tag)
        )
        for animal in group:
            animal.tags.remove(tag)
            self.tagged[tag].discard(animal)
        return True

    def promote(self) -> None:
        animal = self.alive.choice(self.rng)
        self.nicknames += 1
        n = self.nicknames
        nickname = f"{NAMES[n % len(NAMES)]} {n // len(NAMES) + 1}"
        sex = None
        if animal.sex == "unknown" and self.rng.random() < 0.5:
            sex = animal.sex = self.rng.choice(("female", "male"))
        payload = AnimalPromotedPayload(animal_id=animal.id, nickname=nickname, sex=sex)
        self.emit(t.ANIMAL_PROMOTED, payload)
        animal.nickname = nickname

    def repro(self) -> None:
        group = self._group(self.rng.randint(1, 5))
        status = "castrated" if self.rng.random() < 0.2 else "intact"
        self._selection_event(
            t.ANIMAL_ATTRIBUTES_UPDATED,
            group,
            lambda ids: AnimalAttributesUpdatedPayload(
                resolved_ids=ids, set={"repro_status": status}
            ),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _selection_event(self, event_type: str, animals: list[_Animal], build) -> None:
        """A selection command's event: the animals' ids, sorted."""
        self.emit(event_type, build(sorted(a.id for a in animals)))

    def _chunks(self, items: list, most: int) -> list[list]:
        chunks, i = [], 0
        while i < len(items):
            n = self.rng.randint(1, most)
            chunks.append(items[i : i + n])
            i += n
        return chunks


def generate_history(
    db,
    *,
    seed: int,
    events: int,
    animals: int,
    start_ts: int = DEFAULT_START_TS,
    alive: int | None = None,
    progress: Progress | None = None,
) -> HistorySummary:
    """Write a farm history of exactly `events` events into the migrated, empty `db`, then
    fold it into the projections with `replay`. About `animals` animals are created, about
    `alive` (default `default_alive(animals)`) live at a time; the first day starts at
    `start_ts` (ms). `progress(phase, done, total)` is called every 1 000 events of each phase.
    """
    if db.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
        raise ValueError("generate_history writes into an empty database; this one has events")
    alive = default_alive(animals) if alive is None else alive
    farm = _Farm(
        db,
        seed=seed,
        events=events,
        animals=animals,
        alive=alive,
        start_ts=start_ts,
        progress=progress,
    )
    began = time.perf_counter()
    farm.run()
    appended = time.perf_counter()
    total = farm.count + len(farm.location_ids)
    fold_progress = (lambda n: progress("fold", n, total)) if progress is not None else None
    folded = replay(db, progress=fold_progress)
    if progress is not None:
        progress("fold", folded, total)
    finished = time.perf_counter()
    (end_ts,) = db.execute("SELECT MAX(ts_utc) FROM events").fetchone()
    counts = {k: farm.counts[k] for k in t.ALL_EVENT_TYPES if farm.counts[k]}
    return HistorySummary(
        seed=seed,
        events=farm.count,
        animals=farm.created,
        alive_at_end=len(farm.alive),
        days=farm.days,
        start_ts=start_ts,
        end_ts=end_ts,
        counts=counts,
        append_seconds=round(appended - began, 2),
        fold_seconds=round(finished - appended, 2),
        location_ids=dict(farm.location_ids),
    )
