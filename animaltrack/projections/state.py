"""The farm's state as the rules read it (SPEC §6.1): one interface, two implementations.

The rules of section 5 (`animaltrack.services.rules`) ask a handful of questions about the farm at
an instant: an animal's states at T, whether it was ever recorded and of what species, what it was
merged into, a location and whether it is active at T, who bears a nickname from T on, which
animals a location holds, the feed price before T. They ask them of a `FarmState`:

* `SqlFarmState(db)` answers from the live tables — the services before an append, and the
  history rule re-checking later events (then the tables hold exactly the history before the
  event under check). It delegates to the SQL readers of each projection module, which remain
  the one SQL definition of each question.
* `MemoryFarmState` answers from the in-memory state of a batch fold (`BatchBuild`), as it stands
  after the events added so far — for checking a whole history in one pass (the benchmark
  generator's history, an import) without writing a row.

So the live path, the batch rebuild, import and the generator share one definition of each rule.
The two must answer alike to the letter, edge cases included (the interval with the greatest
`start_utc <= T`, animals not created yet, the dead keeping their last location, several events
in one millisecond): `tests/projections/test_farm_state.py` checks random histories against both.

Reference data (species, products, feed types) is not farm state — no event changes it — so both
implementations read it from a database through `animaltrack.reference`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from animaltrack import reference
from animaltrack.errors import NotFoundError
from animaltrack.events.model import Event
from animaltrack.projections import animal_registry, feed, intervals
from animaltrack.projections.base import BatchBuild
from animaltrack.projections.intervals import AnimalState
from animaltrack.projections.locations import Location, get_location, location_events

# The projections whose state the rules read: register these (and what they depend on) to fold
# a history for `MemoryFarmState`.
RULE_PROJECTIONS = ("locations", "animal_registry", "intervals", "feed")


class FarmState(ABC):
    """What the rules may know about the farm at any instant. Every reader answers for the
    history this state holds; each takes the instant it is about, which may lie before events
    already held (a backdated event is checked against what came before it in time)."""

    def __init__(self, reference_db):
        self.reference_db = reference_db

    # -- animals -----------------------------------------------------------------------------

    @abstractmethod
    def states_at(self, animal_ids: Iterable[str], ts: int) -> dict[str, AnimalState]:
        """Status, location, sex and life stage of each animal at ts, from the interval with
        the greatest start at or before ts; animals not created by ts are absent."""

    @abstractmethod
    def known(self, animal_id: str) -> bool:
        """Whether the animal was ever recorded (at any time)."""

    @abstractmethod
    def species_of(self, animal_ids: Iterable[str]) -> dict[str, str]:
        """The species of each animal ever recorded (others absent)."""

    @abstractmethod
    def survivor_of(self, animal_id: str) -> str | None:
        """The animal a merged id lives on as, or None when it was never merged."""

    @abstractmethod
    def live_at_location(self, location_id: str, ts: int) -> list[str]:
        """The animals alive at the location at ts, sorted."""

    @abstractmethod
    def animals_at_location_from(self, location_id: str, ts: int) -> list[str]:
        """The first ten animals, by id, with a location interval at the location reaching past
        ts (alive there at ts or later)."""

    @abstractmethod
    def nickname_holders_from(self, nickname: str, ts: int, excluding: str) -> list[str]:
        """Other animals than `excluding` bearing the nickname, ignoring (ASCII) case, at ts or
        later, by id."""

    # -- locations ---------------------------------------------------------------------------

    @abstractmethod
    def location(self, location_id: str) -> Location:
        """The location (its id in any case), or NotFoundError: what `require_active` reads."""

    @abstractmethod
    def location_events(self) -> list[Event]:
        """Every location event held, in `(ts_utc, id)` order: the location rules fold them
        with the event under check in place."""

    # -- feed --------------------------------------------------------------------------------

    @abstractmethod
    def price_at(self, feed_type_code: str, ts: int) -> int | None:
        """Price per kg of the latest purchase of this type at or before ts (None if none)."""

    # -- derived: written once, over the readers above ---------------------------------------

    def producers_at(self, product: dict, location_id: str, ts: int) -> list[str]:
        """The animals that laid what was collected: the live animals of the product's species
        at the location at ts, sorted (none for a product without a species)."""
        species = product["species_code"]
        if not species:
            return []
        live = self.live_at_location(location_id, ts)
        kinds = self.species_of(live)
        return [a for a in live if kinds[a] == species]

    # -- reference data: the same tables for both ----------------------------------------------

    def require_species(self, code: str) -> dict:
        return reference.require_species(self.reference_db, code)

    def require_product(self, code: str) -> dict:
        return reference.require_product(self.reference_db, code)

    def require_feed_type(self, code: str) -> dict:
        return reference.require_feed_type(self.reference_db, code)


class SqlFarmState(FarmState):
    """The live tables, through each projection's SQL readers."""

    def __init__(self, db):
        super().__init__(db)
        self.db = db

    def states_at(self, animal_ids, ts):
        return intervals.states_at(self.db, animal_ids, ts)

    def known(self, animal_id):
        return bool(animal_registry.registry_rows(self.db, [animal_id]))

    def species_of(self, animal_ids):
        return animal_registry.species_by_id(self.db, animal_ids)

    def survivor_of(self, animal_id):
        return animal_registry.survivor_of(self.db, animal_id)

    def live_at_location(self, location_id, ts):
        return intervals.live_ids_at_location(self.db, location_id, ts)

    def animals_at_location_from(self, location_id, ts):
        return intervals.any_animal_at_location_from(self.db, location_id, ts)

    def nickname_holders_from(self, nickname, ts, excluding):
        return intervals.nickname_holders_from(self.db, nickname, ts, excluding)

    def location(self, location_id):
        return get_location(self.db, location_id)

    def location_events(self):
        return location_events(self.db)

    def price_at(self, feed_type_code, ts):
        return feed.price_at(self.db, feed_type_code, ts)


class MemoryFarmState(FarmState):
    """The in-memory state of a batch fold, read live: after `build.add(event)` the next
    question already sees it. Each reader is the in-memory twin of the SQL one, kept beside it
    in its projection's module (`MemoryIntervals.states_at` next to `states_at`, …)."""

    def __init__(self, build: BatchBuild, reference_db):
        super().__init__(reference_db)
        self.intervals: intervals.MemoryIntervals = build["intervals"].memory
        self.registry: animal_registry.MemoryRegistry = build["animal_registry"].memory
        self.locations = build["locations"]
        self.prices: feed.MemoryPrices = build["feed"].prices
        self._reference: dict[tuple[str, str], dict] = {}

    def states_at(self, animal_ids, ts):
        return self.intervals.states_at(animal_ids, ts)

    def known(self, animal_id):
        return animal_id in self.registry.registry

    def species_of(self, animal_ids):
        return self.registry.species_of(animal_ids)

    def survivor_of(self, animal_id):
        return self.registry.survivor_of(animal_id)

    def live_at_location(self, location_id, ts):
        return self.intervals.live_ids_at_location(location_id, ts)

    def animals_at_location_from(self, location_id, ts):
        return self.intervals.any_animal_at_location_from(location_id, ts)

    def nickname_holders_from(self, nickname, ts, excluding):
        return self.intervals.nickname_holders_from(nickname, ts, excluding)

    def location(self, location_id):
        record = self.locations.records().get(location_id.upper())
        if record is None:
            raise NotFoundError(f"There is no location {location_id}.")
        return Location.of(record)

    def location_events(self):
        return list(self.locations.events)

    def price_at(self, feed_type_code, ts):
        return self.prices.price_at(feed_type_code, ts)

    # Reference data does not change during a fold, and a history asks for the same few rows a
    # million times: keep those found (a refusal is asked again, and raises again).

    def _cached(self, kind: str, code: str, read) -> dict:
        key = (kind, code)
        if (row := self._reference.get(key)) is None:
            row = self._reference[key] = read(code)
        return row

    def require_species(self, code):
        return self._cached("species", code, super().require_species)

    def require_product(self, code):
        return self._cached("product", code, super().require_product)

    def require_feed_type(self, code):
        return self._cached("feed_type", code, super().require_feed_type)
