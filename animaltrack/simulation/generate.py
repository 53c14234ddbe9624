"""A seeded, realistic farm history, for `animaltrack simulate`, `make demo` and the benchmarks.

`generate_history(db, seed=..., ...)` writes a log into a migrated, empty database and folds
it into the projections, in one of two modes: by size (`events`, `animals`: the benchmarks'
histories, exactly `events` live events) or by calendar (`days`, `flock`: `simulate`, a farm
that starts with about `flock` animals and keeps about that many). The same arguments give the
same log, byte for byte: one `random.Random(seed)` drives every choice, the clock is simulated,
and ids are ULIDs made from the simulated clock and a second seeded random source, each
greater than the last.

**Valid by construction.** The generator keeps every animal's state in memory (alive, location,
species, sex, life stage, tags, nickname) and only writes events that pass their rules at their
place in history, so most events go straight to `EventStore.append_event` with no per-command
check, in time order, and are folded by the projections' batch builds. The few a farm records
late, edits or deletes go through the services instead (`corrections`): at each checkpoint the
log so far is folded and they are recorded with the history rule checking them.
`bench.check.check_history` re-checks a whole history with the services' own rules.

**The farm.** The eight seeded locations, created when the history starts: ducklings grow up in
the nurseries and move to the strips when adult. Every day: feed purchases when stock runs low
(the first before any feed is given), feed given at each location with live animals, eggs
collected at each location with live adult female ducks (producers are not stored: they are
answered from the intervals), new cohorts and hatches, life-stage and sex updates as animals
age, outcomes (harvests with yields in kg, deaths, predators, sales), and a filler of moves,
tags, tag ends, promotions and repro-status updates naming 1–5 animals (sometimes up to 20).
A few merges and status corrections are spread over the history; late in it a strip is
renamed and a nursery emptied and archived.

Events carry facts only, as the services write them: the payload and, for cohorts and hatches,
the ids they create (`EventStore` derives the stored refs from those, SPEC §1.9).

The seed locations are written here (`LocationCreated` by `system`, the fixed ids of
`seeds/locations.json`, at the history's start) rather than by `animaltrack.seeding.seed`,
whose `EventStore` stamps ids with the real clock (and dates them at 1970), which would make
two runs differ.
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
from animaltrack.events.model import Event
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
    LocationArchivedPayload,
    LocationCreatedPayload,
    LocationRenamedPayload,
    Payload,
    ProductCollectedPayload,
    ProductSoldPayload,
    YieldItem,
)
from animaltrack.events.store import EventStore
from animaltrack.simulation.corrections import SHARE, Corrections
from store import transaction
from store.seeding import load_seed, seed_reference

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# 2015-01-01T00:00:00Z: a 1 000 000-event history (about nine years) ends well before today.
DEFAULT_START_TS = 1_420_070_400_000
EVENTS_PER_DAY = 300
MAX_ALIVE = 3_000
COMMIT_EVERY = 50_000
# Days mode (`simulate`): a duck is adult at about five months (half its mean lifetime); an
# animal lives `MEAN_SPAN` lifetimes on average; each animal is the subject of about
# `FILLER_PER_ANIMAL` moves, tags and promotions a day.
LIFE_DAYS = 300
MEAN_SPAN = 1.09
FILLER_PER_ANIMAL = 0.1
# The flock a simulated farm starts with: (species, sex, life stage, share of the flock).
FOUNDERS = (
    ("duck", "female", "adult", 0.55),
    ("duck", "male", "adult", 0.08),
    ("goose", "unknown", "adult", 0.12),
    ("duck", "unknown", "juvenile", 0.25),
)
# Days mode folds the log and records the mistakes of the days before (`corrections`) every
# `CHECKPOINT_DAYS` days; both modes do on the last day. Mistakes happen in the
# `MISTAKE_DAYS` days up to a checkpoint, at most `MAX_CORRECTIONS` for one.
CHECKPOINT_DAYS = 30
HATCH_DAYS = 45
MISTAKE_DAYS = 3
MAX_CORRECTIONS = 40
MISTAKES = ("late death", "miscount", "fed twice", "late eggs")
RENAMED_STRIP = "Orchard strip"

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
    # Entries recorded through the services: backdated, edited, deleted.
    corrections: dict[str, int] = field(default_factory=dict)

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


def _role(actor: str) -> str:
    """The role the staff member has: the admin may change anything, a recorder their own."""
    return "admin" if actor == ADMIN else "recorder"


class _TargetReached(Exception):
    """The log holds the number of events asked for."""


# Life stages in order, and when (as a fraction of the mean lifetime) an animal reaches each.
_STAGES = ("hatchling", "juvenile", "subadult", "adult")
_STAGE_AGE = {"hatchling": 0.0, "juvenile": 0.15, "subadult": 0.32, "adult": 0.5}
_SEX_AGE = 0.25


class _Farm:
    def __init__(self, db, *, seed, start_ts, progress, events=None, animals=0, alive=0, days=0):
        """Events mode (`events`, `animals`, `alive`: the benchmarks) or days mode (`days`,
        `alive`: `simulate`), see `generate_history`."""
        self.db = db
        self.rng = random.Random(seed)
        self.by_days = events is None
        self.target = math.inf if self.by_days else events
        self.start_ts = start_ts
        self.progress = progress
        if self.by_days:
            self.days = days
            self.life = LIFE_DAYS
            # Founders on the first day, then births that keep about `alive` animals.
            self.founders = alive
            self.birth_rate = alive / (MEAN_SPAN * LIFE_DAYS)
            self.step_ms = max(1, 14 * HOUR_MS // round(alive * FILLER_PER_ANIMAL + 15))
            merges, corrections = max(1, days // 120), max(2, days // 90)
            self.checkpoints = {d for d in range(days) if (d + 1) % CHECKPOINT_DAYS == 0}
        else:
            self.days = max(10, round(events / EVENTS_PER_DAY))
            # Mean lifetime in days so that creation rate × lifetime ≈ alive.
            self.life = max(1.0, alive * self.days / animals)
            self.founders = 0
            self.birth_rate = animals / self.days
            self.step_ms = max(1, 14 * HOUR_MS // EVENTS_PER_DAY)
            merges, corrections = max(1, events // 50_000), max(2, events // 50_000)
            self.checkpoints = set()
        self.checkpoints.add(self.days - 1)
        self.now = start_ts
        self.ids = SeededUlids(random.Random(seed ^ 0x5EED_1D5), lambda: self.now)
        self.store = EventStore(db, clock=lambda: self.now, new_id=self.ids)
        self.late = Corrections(db, self.store)
        self.planned: list[str] = []  # what goes wrong before the next checkpoint
        self.checked_at = 0  # the count at the last checkpoint
        self.fold_seconds = 0.0
        self.count = 0
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
        self.founded = 0
        self.today = 0
        first = max(1, self.days // 10)
        self.merge_days = Counter(self.rng.randrange(first, self.days) for _ in range(merges))
        self.correction_days = Counter(
            self.rng.randrange(first, self.days) for _ in range(corrections)
        )
        self.rename_day = self.days * 3 // 4
        self.archive_day = self.days * 4 // 5

    # -- writing ---------------------------------------------------------------------------

    def tick(self) -> None:
        self.now += self.rng.randint(1, 2 * self.step_ms)

    def emit(
        self,
        event_type: str,
        payload: Payload,
        actor: str | None = None,
        created: list = (),
        counted: bool = True,
    ) -> Event:
        """Append one event now. One that a checkpoint will delete is not `counted`: `events`
        counts the live events, and the events the checkpoint's late entries will append."""
        self.tick()
        actor = actor or STAFF[self.rng.random() < 0.35]
        refs = {"animal_ids": list(created)} if created else {}
        event = self.store.append_event(event_type, self.now, actor, refs, payload)
        if counted:
            self.count += 1
            if self.progress is not None and self.count % 1000 == 0:
                self.progress("append", self.count, self.expected())
            if self.count + self.late.appends >= self.target:
                raise _TargetReached
        return event

    def room(self) -> bool:
        """Whether one more event fits before the target."""
        return self.count + self.late.appends + 1 < self.target

    def run(self) -> None:
        with transaction(self.db):
            seed_reference(self.db, now_ms=self.start_ts)
            for row in load_seed("locations"):
                payload = LocationCreatedPayload(location_id=row["id"], name=row["name"])
                self.tick()
                self.store.append_event(
                    t.LOCATION_CREATED, self.now, "system", {"location_id": row["id"]}, payload
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
                        if day - 1 in self.checkpoints:
                            break
                except _TargetReached:
                    day = self.days
            if day - 1 in self.checkpoints or day == self.days:
                self.checkpoint(final=day == self.days)
        if self.progress is not None:
            self.progress("append", self.count, self.count)

    def expected(self) -> int:
        """The events the history will hold: the target, or in days mode a projection."""
        if not self.by_days:
            return self.target
        return max(self.count, round(self.count * self.days / (self.today + 1)))

    def checkpoint(self, final: bool) -> None:
        """Fold the log so far and record what was queued through the services."""
        total = self.store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        fold = None
        if final and self.progress is not None:
            fold = lambda n: self.progress("fold", n, total)  # noqa: E731
        appends = self.late.appends
        self.fold_seconds += self.late.record(self.tick, fold)
        self.count += appends
        self.checked_at = self.count
        self.planned = []

    # -- one day ---------------------------------------------------------------------------

    def day(self, d: int) -> None:
        self.now = max(self.now, self.start_ts + d * DAY_MS + 6 * HOUR_MS)
        self.today = d
        before = self.count
        self.plan_mistakes(d)
        if d == 0 and self.founders:
            self.found()
        self.births(d)
        self.transitions(d)
        self.late_deaths(d)
        self.feed(d)
        self.eggs(d)
        self.outcomes(d)
        self.occasional(d)
        self.relocate(d)
        self.struct_events += self.count - before
        if self.by_days:
            goal = self.count + round(
                FILLER_PER_ANIMAL * len(self.alive) * self.rng.uniform(0.5, 1.5)
            )
        else:
            days_after = self.days - d - 1
            per_day = self.struct_events / (d + 1)
            remaining = self.target - self.count - self.late.appends
            fill = (remaining - per_day * days_after) / (days_after + 1)
            goal = self.count + (max(0, round(fill)) if days_after else remaining)
        tries = 0
        while self.count < goal and len(self.alive) and tries < 4 * (goal - before) + 100:
            self.filler()
            tries += 1

    # -- mistakes and late entries, recorded at the next checkpoint (`corrections`) ----------

    def plan_mistakes(self, d: int) -> None:
        """Three days before a checkpoint, decide what will go wrong until then: about `SHARE`
        of the events since the last checkpoint, at least a few, at most
        `MAX_CORRECTIONS` (one checkpoint ends a benchmark history of any size)."""
        checkpoint = min((c for c in self.checkpoints if c >= d), default=None)
        if checkpoint is None or d != max(0, checkpoint - MISTAKE_DAYS + 1):
            return
        last = max((c for c in self.checkpoints if c < d), default=-1)
        per_day = (self.count - self.checked_at) / max(1, d - last - 1)
        expected = per_day * (checkpoint - last) if d - last > 1 else 0
        quota = min(MAX_CORRECTIONS, max(len(MISTAKES), round(SHARE * expected)))
        self.planned = [MISTAKES[i % len(MISTAKES)] for i in range(quota)]

    def _take(self, mistake: str) -> bool:
        if mistake in self.planned and self.room():
            self.planned.remove(mistake)
            return True
        return False

    def late_deaths(self, d: int) -> None:
        """Animals found dead today and recorded at the checkpoint, a day or two late; nothing
        names them meanwhile, while the events of the others go on being recorded."""
        while len(self.alive) > 1 and self._take("late death"):
            animal = self.alive.choice(self.rng)
            predator = self.rng.random() < 0.4
            payload = AnimalOutcomePayload(
                resolved_ids=[animal.id],
                outcome="predator" if predator else "death",
                reason="fox" if predator else "found dead",
                notes="recorded late",
            )
            self.tick()
            self.late.late(t.ANIMAL_OUTCOME, self.now, STAFF[self.rng.random() < 0.35], payload)
            self._leave(animal, d, recent=False)

    # -- animals arrive --------------------------------------------------------------------

    def found(self) -> None:
        """The flock a simulated farm starts with: laying ducks and a few drakes on the
        strips, geese, and young ducks in the nurseries."""
        for species, sex, stage, share in FOUNDERS:
            count = max(1, round(share * self.founders))
            places = self.strips if stage == "adult" else self.nurseries
            places = places[: max(1, min(len(places), count // 6))]
            for i, place in enumerate(places):
                size = count // len(places) + (i < count % len(places))
                if size:
                    self.cohort(0, size, species=species, sex=sex, stage=stage, place=place)
        self.founded = self.created

    # -- animals arrive --------------------------------------------------------------------

    def births(self, d: int) -> None:
        """Deliveries and hatches at the rate that keeps the flock's size; in days mode a
        duck also brings off a brood on the strips every `HATCH_DAYS` days."""
        ducks_at = [s for s in self.strips if self._has(s, "duck")]
        if self.by_days and d % HATCH_DAYS == HATCH_DAYS // 2 and ducks_at:
            self.hatch(d, self.rng.choice(ducks_at), self.rng.randint(4, 10))
        due = self.founded + round(self.birth_rate * (d + 1)) - self.created
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

    def cohort(self, d: int, size: int, *, species=None, sex=None, stage=None, place=None) -> None:
        """A delivery of `size` animals; what is not given is drawn."""
        species = species or ("duck" if self.rng.random() < 0.85 else "goose")
        if stage is None:
            roll = self.rng.random()
            stage = "hatchling" if roll < 0.35 else "juvenile" if roll < 0.75 else "adult"
        if sex is None:
            sex = "female" if stage == "adult" and self.rng.random() < 0.6 else "unknown"
        place = place or self.rng.choice(self.strips if stage == "adult" else self.nurseries)
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
            given = self.emit(t.FEED_GIVEN, payload)
            if self._take("fed twice"):
                twice = self.emit(t.FEED_GIVEN, payload, given.actor, counted=False)
                self.late.delete(twice, _role(twice.actor), "entered twice")

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

    def eggs(self, d: int) -> None:
        """Eggs collected every day wherever adult female ducks are; now and then a collection
        recorded a day late (at the checkpoint), or a miscount corrected there."""
        for place in (*self.strips, *self.nurseries):
            ducks = [a for a in self.at[place].items if a.species == "duck"]
            layers = sum(1 for a in ducks if a.sex == "female" and a.stage == "adult")
            if not layers:
                continue
            quantity = max(1, round(layers * self.rng.uniform(0.55, 0.9)))
            payload = ProductCollectedPayload(
                location_id=place, product_code="egg.duck", quantity=quantity
            )
            if d not in self.checkpoints and self._take("late eggs"):
                self.tick()
                actor = STAFF[self.rng.random() < 0.35]
                self.late.late(t.PRODUCT_COLLECTED, self.now, actor, payload)
                continue
            collected = self.emit(t.PRODUCT_COLLECTED, payload)
            if self._take("miscount"):
                delta = self.rng.choice((-3, -2, -1, 1, 2, 3))
                right = quantity + delta if quantity + delta >= 1 else quantity - delta
                self.late.edit(collected, _role(collected.actor), {"quantity": right})

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

    def relocate(self, d: int) -> None:
        """Late in the history a strip gets a new name, and a nursery is emptied and archived."""
        if d == self.rename_day and "Strip 4" in self.location_ids:
            strip = self.location_ids.pop("Strip 4")
            payload = LocationRenamedPayload(location_id=strip, new_name=RENAMED_STRIP)
            self.emit(t.LOCATION_RENAMED, payload, ADMIN)
            self.location_ids[RENAMED_STRIP] = strip
        if d == self.archive_day and len(self.nurseries) > 1:
            nursery = self.nurseries.pop()
            for group in self._chunks(list(self.at[nursery].items), 20):
                self.move(group, self.rng.choice(self.nurseries))
            self.emit(t.LOCATION_ARCHIVED, LocationArchivedPayload(location_id=nursery), ADMIN)

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
            active = {*self.strips, *self.nurseries}
            candidates = [
                a
                for a in self.recently_left
                if not a.alive and a.left_day >= d - 3 and a.location in active
            ]
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
    events: int | None = None,
    animals: int | None = None,
    days: int | None = None,
    flock: int | None = None,
    start_ts: int = DEFAULT_START_TS,
    alive: int | None = None,
    progress: Progress | None = None,
) -> HistorySummary:
    """Write a farm history into the migrated, empty `db`, its projections folded. Two modes:

    - `events` (the benchmarks): exactly `events` live events besides the seed locations,
      about `animals` animals created, about `alive` (default `default_alive(animals)`) alive
      at a time, over about `events / 300` days;
    - `days` and `flock` (`simulate`): `days` days starting with a flock of about `flock`
      animals, kept at about that size by births as animals leave.

    The first day starts at `start_ts` (ms). `progress(phase, done, total)` is called every
    1 000 events appended and folded (total is infinite while appending days).
    """
    if db.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
        raise ValueError("generate_history writes into an empty database; this one has events")
    if (events is None) == (days is None):
        raise ValueError("generate_history needs either events or days")
    common = {"start_ts": start_ts, "progress": progress}
    if events is not None:
        alive = default_alive(animals) if alive is None else alive
        farm = _Farm(db, seed=seed, events=events, animals=animals, alive=alive, **common)
    else:
        farm = _Farm(db, seed=seed, days=days, alive=flock, **common)
    began = time.perf_counter()
    farm.run()
    seconds = time.perf_counter() - began
    (end_ts,) = db.execute("SELECT MAX(ts_utc) FROM events").fetchone()
    counts = dict(db.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())
    return HistorySummary(
        seed=seed,
        events=farm.count,
        animals=farm.created,
        alive_at_end=len(farm.alive),
        days=farm.days,
        start_ts=start_ts,
        end_ts=end_ts,
        counts={k: counts[k] for k in t.ALL_EVENT_TYPES if k in counts},
        append_seconds=round(seconds - farm.fold_seconds, 2),
        fold_seconds=round(farm.fold_seconds, 2),
        location_ids=dict(farm.location_ids),
        corrections=dict(farm.late.counts),
    )
