"""The drivers of the acceptance scenarios (SPEC §16): each scenario step is one driver method.

The scenarios speak the farm's language (a location by name, a cohort, a bag of feed, eggs), so
the same test runs through every backend: `ScenarioDriver` is the one abstract driver, taking
names and plain values and returning animal ids, `Event`s and statistics; `ServiceDriver` calls
the domain services directly, `GraphQLScenarioDriver` (`graphql_scenario_driver.py`) sends
GraphQL operations to a real server over HTTP. A refused command raises `Refused`, named as the
API names the refusal (`DependentEvents`, `Forbidden`, ...), whichever backend refused it.

Times are fixed: the store's clock is `NOW`, and every scenario happens before it, so `ts_utc`
values (and the figures) are the same on every run. (A served API stamps events by the real
clock, which also lies after `NOW`, so it accepts the same times.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from animaltrack import errors
from animaltrack.events.model import Event
from animaltrack.events.payloads import (
    AnimalAttributesUpdatedPayload,
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
    FeedGivenPayload,
    FeedPurchasedPayload,
    ProductCollectedPayload,
    ProductSoldPayload,
    build_payload,
)
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry, intervals
from animaltrack.projections.replay import copy_log, projection_rows, replay
from animaltrack.queries.subjects import subjects_of
from animaltrack.services.animal import AnimalService
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.feed import FeedService
from animaltrack.services.flock import get_daily_series, get_flock_figures
from animaltrack.services.products import ProductService
from animaltrack.services.readmodels import FeedStock, feed_inventory, roster_facets
from animaltrack.services.stats import daily_egg_series, get_egg_stats
from store import connect
from store.migrations import migrate

HOUR = 3_600_000
DAY = 86_400_000


def ms(text: str) -> int:
    """`2026-06-01T12:00:00.000Z` as milliseconds, exactly."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


# T: the moment of scenario 21.1's statistics. The store's clock reads NOW, well after every
# scenario step, so no step is refused as being in the future.
T = ms("2026-06-01T12:00:00Z")
NOW = T + 30 * DAY


class Refused(Exception):
    """A command the backend refused: `kind` is the API's name for the refusal (the GraphQL
    union member, e.g. `DependentEvents`), `details` its facts in snake_case."""

    def __init__(self, kind: str, message: str, **details: Any):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.details = details


# The domain errors the scenarios meet, by the name the API gives them (schema/errors.py).
_REFUSALS: dict[type[errors.AnimalTrackError], str] = {
    errors.ValidationError: "ValidationError",
    errors.NotFoundError: "NotFound",
    errors.ForbiddenError: "Forbidden",
    errors.ClockSkewError: "ClockSkew",
    errors.HistoryConflict: "HistoryConflict",
    errors.VersionConflict: "VersionConflict",
    errors.DependentEvents: "DependentEvents",
    errors.SelectionMismatchError: "SelectionMismatch",
    errors.ParseError: "FilterSyntaxError",
}


def refused(error: errors.AnimalTrackError) -> Refused:
    # Any other refusal is a ValidationError, as the API's last exception handler makes it.
    kind = next((n for cls, n in _REFUSALS.items() if isinstance(error, cls)), "ValidationError")
    facts = ("field", "current_version", "dependent_event_ids", "conflicting_event_ids", "position")
    details = {k: getattr(error, k) for k in facts if getattr(error, k, None) is not None}
    return Refused(kind, error.message, **details)


class ScenarioDriver(ABC):
    """What a §16 scenario asks of a backend. Steps record as the recorder `actor` and return
    the `Event` (or the new animal ids); `admin=True` acts as the admin instead. Every event a
    step appended is kept in `events`, in order. `edit` and `delete` raise `Refused` on every
    backend; a refused step raises `Refused` over GraphQL but the domain error itself through
    the services (as `test_stats_refusals.py` expects)."""

    actor = "ines"
    admin = "ppetru"

    def __init__(self) -> None:
        self.events: list[Event] = []

    def _done(self, event: Event) -> Event:
        self.events.append(event)
        return event

    # -- looking things up -----------------------------------------------------------------

    @abstractmethod
    def location(self, name: str) -> str:
        """The id of the location called `name`."""

    @abstractmethod
    def live_ids(self, location: str, at: int | None = None) -> list[str]:
        """The animals alive at the location, now or at `at`, by id."""

    @abstractmethod
    def sex_counts(self, location: str, at: int | None = None) -> dict[str, int]:
        """The roster's facet by sex (`{"female": 10, ...}`), now or at `at`."""

    @abstractmethod
    def animal_status(self, animal_id: str) -> str | None:
        """`alive`, `harvested`, ...; None for an animal the registry does not hold."""

    @abstractmethod
    def feed_stock(self, feed_type: str) -> FeedStock:
        """The feed inventory row of one feed type (SPEC §10.2)."""

    @abstractmethod
    def event(self, event_id: str) -> Event:
        """The event at its latest version."""

    @abstractmethod
    def event_animal_ids(self, event_id: str) -> list[str]:
        """The animals the API shows for the event (a collection's producers derived now)."""

    @abstractmethod
    def revisions(self, event_id: str) -> list[dict[str, Any]]:
        """Its prior versions, oldest first: `version`, `ts_utc`, `actor`, `payload`."""

    @abstractmethod
    def is_deleted(self, event_id: str) -> bool:
        """Whether the event has a tombstone."""

    @abstractmethod
    def egg_stats(self, location: str, *, ts: int, window_days: int = 30):
        """SPEC §10.1's figures over `[ts - window_days, ts)`, with the same attribute names
        as `animaltrack.services.stats.EggStats` (and its three derived figures)."""

    @abstractmethod
    def daily_eggs(self, location: str, *, ts: int, window_days: int = 30) -> list[tuple]:
        """`(local day, eggs)` over the same window."""

    @property
    @abstractmethod
    def db_path(self) -> Path:
        """The database file the backend writes (read to compare it with a replay)."""

    def assert_live_equals_replay(self, scratch_dir: Path) -> None:
        """The live projections equal a fresh replay of a copy of the log (SPEC §12)."""
        n = len(list(scratch_dir.glob("replayed-*.db")))
        live, scratch = connect(self.db_path), connect(scratch_dir / f"replayed-{n}.db")
        try:
            migrate(scratch)
            copy_log(self.db_path, scratch)
            replay(scratch)
            assert projection_rows(live) == projection_rows(scratch)
        finally:
            live.close()
            scratch.close()

    # -- the scenario steps ----------------------------------------------------------------

    @abstractmethod
    def create_cohort(
        self,
        location: str,
        count: int,
        *,
        ts: int,
        sex="unknown",
        life_stage="adult",
        species="duck",
    ) -> list[str]: ...

    @abstractmethod
    def buy_feed(
        self, feed_type: str, *, bags: int, bag_price_cents: int, ts: int, bag_size_kg=None
    ) -> Event: ...

    @abstractmethod
    def give_feed(self, location: str, feed_type: str, kg, *, ts: int) -> Event: ...

    @abstractmethod
    def collect(
        self, location: str, product: str, quantity, *, ts: int, resolved_ids=None
    ) -> Event: ...

    def collect_eggs(self, location: str, pieces, *, ts: int) -> Event:
        return self.collect(location, "egg.duck", pieces, ts=ts)

    @abstractmethod
    def sell(self, product: str, quantity, total_price_cents: int, *, ts: int) -> Event: ...

    @abstractmethod
    def move(self, animal_ids: list[str], to_location: str, *, ts: int) -> Event: ...

    @abstractmethod
    def update_attributes(self, animal_ids: list[str], *, ts: int, **values) -> Event: ...

    @abstractmethod
    def harvest(self, animal_ids: list[str], *, ts: int, yields: dict[str, str]) -> Event: ...

    @abstractmethod
    def record_loss(self, animal_ids: list[str], *, ts: int, outcome: str = "death") -> Event:
        """An outcome without yields: `death`, `predator`, `unknown` (or `sold`)."""

    @abstractmethod
    def flock(self, location: str | None, *, ts: int, window_days: int = 30) -> dict[str, Any]:
        """SPEC §10.3's figures over `[ts - window_days, ts)` at a location (None: the whole
        farm), as `flock_figures` gives them: snake_case keys, decimals as `Decimal`."""

    @abstractmethod
    def daily_series(self, location: str | None, first: date, last: date) -> dict[str, list]:
        """SPEC §10.3's daily series, columns by snake_case name (`days`, `eggs`, ...)."""

    @abstractmethod
    def edit(
        self,
        event_id: str,
        *,
        payload=None,
        ts: int | None = None,
        expected_version=None,
        admin: bool = False,
    ) -> Event:
        """Edit an event (SPEC §12); `Refused` when refused."""

    @abstractmethod
    def delete(
        self,
        event_id: str,
        *,
        reason: str = "recorded by mistake",
        cascade: bool = False,
        dry_run: bool = False,
        admin: bool = False,
    ) -> list[str]:
        """Delete an event (SPEC §12): the tombstoned (or would-be) ids; `Refused` when
        refused."""


class ServiceDriver(ScenarioDriver):
    """Drives the domain services directly; `actor` records, `admin` may do everything."""

    def __init__(self, db, now: int = NOW):
        super().__init__()
        self.db = db
        self.now = now
        self.store = EventStore(db, clock=lambda: self.now)
        self.registry = default_registry(db)
        self.animals = AnimalService(db, self.store, self.registry)
        self.products = ProductService(db, self.store, self.registry)
        self.feed = FeedService(db, self.store, self.registry)

    # -- looking things up -----------------------------------------------------------------

    def location(self, name: str) -> str:
        row = self.db.execute("SELECT id FROM locations WHERE name = ?", (name,)).fetchone()
        assert row is not None, f"no location {name}"
        return row[0]

    def live_ids(self, location: str, at: int | None = None) -> list[str]:
        if at is not None:
            return intervals.live_ids_at_location(self.db, self.location(location), at)
        rows = self.db.execute(
            "SELECT animal_id FROM live_animals_by_location WHERE location_id = ?"
            " ORDER BY animal_id",
            (self.location(location),),
        ).fetchall()
        return [r[0] for r in rows]

    def event_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def sex_counts(self, location: str, at: int | None = None) -> dict[str, int]:
        return roster_facets(self.db, self.location(location), at=at).by_sex

    def animal_status(self, animal_id: str) -> str | None:
        row = self.db.execute(
            "SELECT status FROM animal_registry WHERE animal_id = ?", (animal_id,)
        ).fetchone()
        return row[0] if row else None

    def feed_stock(self, feed_type: str) -> FeedStock:
        return next(s for s in feed_inventory(self.db) if s.feed_type_code == feed_type)

    def event(self, event_id: str) -> Event:
        return self.store.get_event(event_id)

    def event_animal_ids(self, event_id: str) -> list[str]:
        return subjects_of(self.db, [self.store.get_event(event_id)])[event_id].animal_ids

    def revisions(self, event_id: str) -> list[dict[str, Any]]:
        keys = ("version", "ts_utc", "actor", "payload")
        return [{k: r[k] for k in keys} for r in self.store.revisions(event_id)]

    def is_deleted(self, event_id: str) -> bool:
        return self.store.is_tombstoned(event_id)

    @property
    def db_path(self) -> Path:
        return Path(self.db.execute("PRAGMA database_list").fetchone()[2])

    # -- the scenario steps ----------------------------------------------------------------

    def create_cohort(
        self,
        location: str,
        count: int,
        *,
        ts: int,
        sex="unknown",
        life_stage="adult",
        species="duck",
    ) -> list[str]:
        payload = build_payload(
            AnimalCohortCreatedPayload,
            species=species,
            count=count,
            life_stage=life_stage,
            sex=sex,
            location_id=self.location(location),
        )
        return self._done(self.animals.create_cohort(payload, ts, self.actor)).entity_refs[
            "animal_ids"
        ]

    def buy_feed(
        self, feed_type: str, *, bags: int, bag_price_cents: int, ts: int, bag_size_kg=None
    ):
        payload = build_payload(
            FeedPurchasedPayload,
            feed_type_code=feed_type,
            bags_count=bags,
            bag_price_cents=bag_price_cents,
            bag_size_kg=bag_size_kg,
        )
        return self._done(self.feed.purchase_feed(payload, ts, self.actor))

    def give_feed(self, location: str, feed_type: str, kg, *, ts: int):
        payload = build_payload(
            FeedGivenPayload,
            location_id=self.location(location),
            feed_type_code=feed_type,
            amount_kg=kg,
        )
        return self._done(self.feed.give_feed(payload, ts, self.actor))

    def collect(self, location: str, product: str, quantity, *, ts: int, resolved_ids=None):
        payload = build_payload(
            ProductCollectedPayload,
            location_id=self.location(location),
            product_code=product,
            quantity=quantity,
            resolved_ids=resolved_ids,
        )
        return self._done(self.products.collect_product(payload, ts, self.actor))

    def collect_eggs(self, location: str, pieces, *, ts: int):
        return self.collect(location, "egg.duck", pieces, ts=ts)

    def sell(self, product: str, quantity, total_price_cents: int, *, ts: int):
        payload = build_payload(
            ProductSoldPayload,
            product_code=product,
            quantity=quantity,
            total_price_cents=total_price_cents,
        )
        return self._done(self.products.sell_product(payload, ts, self.actor))

    def move(self, animal_ids: list[str], to_location: str, *, ts: int):
        payload = build_payload(
            AnimalMovedPayload, resolved_ids=animal_ids, to_location_id=self.location(to_location)
        )
        return self._done(self.animals.move_animals(payload, ts, self.actor))

    def update_attributes(self, animal_ids: list[str], *, ts: int, **values):
        payload = build_payload(AnimalAttributesUpdatedPayload, resolved_ids=animal_ids, set=values)
        return self._done(self.animals.update_attributes(payload, ts, self.actor))

    def harvest(self, animal_ids: list[str], *, ts: int, yields: dict[str, str]):
        items = [{"product_code": code, "quantity": qty} for code, qty in yields.items()]
        payload = build_payload(
            AnimalOutcomePayload, resolved_ids=animal_ids, outcome="harvest", yield_items=items
        )
        return self._done(self.animals.record_outcome(payload, ts, self.actor))

    def record_loss(self, animal_ids: list[str], *, ts: int, outcome: str = "death"):
        payload = build_payload(AnimalOutcomePayload, resolved_ids=animal_ids, outcome=outcome)
        return self._done(self.animals.record_outcome(payload, ts, self.actor))

    def flock(self, location: str | None, *, ts: int, window_days: int = 30) -> dict[str, Any]:
        place = None if location is None else self.location(location)
        return flock_figures(get_flock_figures(self.db, place, ts, window_days))

    def daily_series(self, location: str | None, first: date, last: date) -> dict[str, list]:
        place = None if location is None else self.location(location)
        series = get_daily_series(self.db, place, first, last)
        return {f.name: list(getattr(series, f.name)) for f in fields(series)[1:]}

    def egg_stats(self, location: str, *, ts: int, window_days: int = 30):
        return get_egg_stats(self.db, self.location(location), ts, window_days)

    def daily_eggs(self, location: str, *, ts: int, window_days: int = 30) -> list[tuple]:
        return daily_egg_series(self.db, self.location(location), ts - window_days * DAY, ts)

    def _who(self, admin: bool) -> dict[str, str]:
        return (
            {"actor": self.admin, "role": "admin"}
            if admin
            else {"actor": self.actor, "role": "recorder"}
        )

    def edit(
        self,
        event_id: str,
        *,
        payload=None,
        ts: int | None = None,
        expected_version=None,
        admin: bool = False,
    ) -> Event:
        try:
            return edit_event(
                self.db,
                self.store,
                self.registry,
                event_id,
                payload=payload,
                ts_utc=ts,
                expected_version=expected_version,
                **self._who(admin),
            )
        except errors.AnimalTrackError as error:
            raise refused(error) from error

    def delete(
        self,
        event_id: str,
        *,
        reason: str = "recorded by mistake",
        cascade: bool = False,
        dry_run: bool = False,
        admin: bool = False,
    ) -> list[str]:
        try:
            return delete_event(
                self.db,
                self.store,
                self.registry,
                event_id,
                reason=reason,
                cascade=cascade,
                dry_run=dry_run,
                **self._who(admin),
            )
        except errors.AnimalTrackError as error:
            raise refused(error) from error


# -- the shared baseline (scenario 21.1) -------------------------------------------------------


def baseline_21_1(d: ScenarioDriver) -> dict[str, list[str]]:
    """SPEC §10.1's worked example, one day before T at Strip 1.

    10 adult female and 3 adult male ducks arrive at T - 1 day; one 20 kg bag of layer feed is
    bought for 2400 cents (120 cents/kg); 6 kg are given at T - 12 h and 12 eggs collected at
    T - 1 h. Returns the animal ids by group.
    """
    females = d.create_cohort("Strip 1", 10, sex="female", ts=T - DAY)
    males = d.create_cohort("Strip 1", 3, sex="male", ts=T - DAY)
    d.buy_feed("layer", bags=1, bag_price_cents=2400, ts=T - DAY)
    d.give_feed("Strip 1", "layer", 6, ts=T - 12 * HOUR)
    d.collect_eggs("Strip 1", 12, ts=T - HOUR)
    return {"females": sorted(females), "males": sorted(males)}


def figures(stats) -> dict:
    """The SPEC §10.1 figures of an `EggStats`, for whole-value comparisons."""
    return {
        "eggs_total_pcs": stats.eggs_total_pcs,
        "feed_total_g": stats.feed_total_g,
        "feed_layers_g": stats.feed_layers_g,
        "feed_cost_cents": stats.feed_cost_cents,
        "cost_per_egg_all_eur": stats.cost_per_egg_all_eur,
        "cost_per_egg_layers_eur": stats.cost_per_egg_layers_eur,
        "bird_days": stats.bird_days,
        "layer_eligible_bird_days": stats.layer_eligible_bird_days,
        "layer_eligible_count_now": stats.layer_eligible_count_now,
    }


def flock_figures(f) -> dict[str, Any]:
    """A service `FlockFigures` flat, by the API's names in snake_case."""
    s = f.stats
    return {
        "eggs": s.eggs_total_pcs,
        "bird_days": s.bird_days,
        "layer_eligible_bird_days": s.layer_eligible_bird_days,
        "laying_rate_pct": s.laying_rate_pct,
        "eggs_per_layer_per_day": s.eggs_per_layer_per_day,
        "feed_given_g": s.feed_total_g,
        "feed_per_dozen_eggs_kg": s.feed_per_dozen_eggs_kg,
        "feed_cost_cents": s.feed_cost_cents,
        "cost_per_egg_all_eur": s.cost_per_egg_all_eur,
        "cost_per_egg_layers_eur": s.cost_per_egg_layers_eur,
        "deaths": f.deaths,
        "animals_present": f.animals_present,
        "mortality_pct": f.mortality_pct,
        "feed_stock": [
            (r.feed_type_code, r.balance_kg, r.given_in_window_kg, r.days_left)
            for r in f.feed_stock
        ],
    }


# -- scenarios 21.2 to 21.4, each building on the one before (SPEC §16) -----------------------

# P: the instant one of the juveniles becomes an adult female (21.2).
P = T + DAY
# S: the instant four layers move to Strip 2 (21.3).
S = T + 2 * DAY


def scenario_21_2(d: ScenarioDriver) -> dict[str, list[str]]:
    """21.1, then four juvenile ducks (sex unknown) raised in Nursery 1 since T - 1 day join
    Strip 1 at T; 6 kg more feed at T + 12 h and 12 more eggs at T + 20 h; at P = T + 1 day one
    juvenile becomes an adult female."""
    ids = baseline_21_1(d)
    juveniles = sorted(d.create_cohort("Nursery 1", 4, life_stage="juvenile", ts=T - DAY))
    cohort = d.events[-1].id
    joined = d.move(juveniles, "Strip 1", ts=T).id
    d.give_feed("Strip 1", "layer", 6, ts=T + 12 * HOUR)
    d.collect_eggs("Strip 1", 12, ts=T + 20 * HOUR)
    promoted = d.update_attributes(juveniles[:1], ts=P, sex="female", life_stage="adult").id
    # Event ids too: the juveniles' cohort, their move to Strip 1 and the promotion.
    return ids | {
        "juveniles": juveniles,
        "promoted": juveniles[:1],
        "juvenile_events": [cohort, joined, promoted],
    }


def scenario_21_3(d: ScenarioDriver) -> dict[str, list[str]]:
    """21.2, then at S = T + 2 days four of the original layers move to Strip 2; at S + 6 h
    6 kg are given at Strip 1 and 2 kg at Strip 2; at S + 12 h 10 eggs are collected at Strip 1
    and 4 at Strip 2."""
    ids = scenario_21_2(d)
    moved = ids["females"][:4]
    d.move(moved, "Strip 2", ts=S)
    d.give_feed("Strip 1", "layer", 6, ts=S + 6 * HOUR)
    strip2_feed = d.give_feed("Strip 2", "layer", 2, ts=S + 6 * HOUR).id
    d.collect_eggs("Strip 1", 10, ts=S + 12 * HOUR)
    d.collect_eggs("Strip 2", 4, ts=S + 12 * HOUR)
    return ids | {"moved": moved, "stayed": ids["females"][4:], "strip2_feed": [strip2_feed]}


def scenario_21_4(d: ScenarioDriver):
    """21.3, then 5 eggs are recorded now with a time 2 h before the split (S - 2 h) at Strip 1.
    Returns the ids and the backdated collection event."""
    ids = scenario_21_3(d)
    event = d.collect_eggs("Strip 1", 5, ts=S - 2 * HOUR)
    return ids, event
