"""The rules each event must pass at its own place in history (SPEC §5, §6.3).

`check_event(state, event)` reads the state at `event.ts_utc` through a `FarmState` and raises a
domain error when the event breaks a rule. The state is the live tables (`SqlFarmState`) before a
new event is appended, and when the history rule re-checks later events after a backdated append,
an edit or a delete (then the animals involved have been folded only up to the event under check,
so "the state at T" is exactly the history before it). It is a batch fold in memory
(`MemoryFarmState`) when a whole history is checked in one pass, as the benchmark generator's is:
one definition of each rule serves both (SPEC §6.1).

Checks that concern only what the client typed (a `from_location_id` that must match, the
selection hash) live in the services: a stored event is a record of what the client saw, and is
not re-checked on those (SPEC §6.3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from animaltrack.errors import AnimalTrackError, HistoryConflict, NotFoundError, ValidationError
from animaltrack.events import types as t
from animaltrack.events.enums import AnimalStatus
from animaltrack.events.model import Event
from animaltrack.projections.intervals import AnimalState
from animaltrack.projections.locations import LocationRecord, fold_locations, require_active
from animaltrack.projections.state import FarmState
from animaltrack.timefmt import describe_ts

_STATUS_WORDS = {
    AnimalStatus.DEAD: "had died",
    AnimalStatus.HARVESTED: "had been harvested",
    AnimalStatus.SOLD: "had been sold",
}


def living_states(farm: FarmState, animal_ids: Iterable[str], ts: int) -> dict[str, AnimalState]:
    """States of animals that must all exist and be alive at ts; refuse the first that is not."""
    ids = list(animal_ids)
    states = farm.states_at(ids, ts)
    for animal in ids:
        state = states.get(animal)
        if state is None:
            if farm.known(animal):
                raise ValidationError(
                    f"Animal {animal} did not exist yet on {describe_ts(ts)}.", field="animal_ids"
                )
            raise NotFoundError(f"There is no animal {animal}.")
        if state.status == AnimalStatus.MERGED_INTO:
            survivor = farm.survivor_of(animal)
            raise ValidationError(
                f"Animal {animal} was merged into {survivor}; record this for {survivor} instead.",
                field="animal_ids",
            )
        if state.status != AnimalStatus.ALIVE:
            raise ValidationError(
                f"Animal {animal} {_STATUS_WORDS.get(state.status, 'was not alive')} by "
                f"{describe_ts(ts)}.",
                field="animal_ids",
            )
    return states


def single_location(states: dict[str, AnimalState]) -> str:
    locations = {s.location_id for s in states.values()}
    if len(locations) != 1:
        raise ValidationError(
            "These animals are in different locations; move the animals of one location at a time.",
            field="resolved_ids",
        )
    return locations.pop()


# -- one check per event type ------------------------------------------------------------------


def _cohort(farm: FarmState, e: Event) -> None:
    farm.require_species(e.payload["species"])
    require_active(farm, e.payload["location_id"], e.ts_utc)


def _hatch(farm: FarmState, e: Event) -> None:
    farm.require_species(e.payload["species"])
    require_active(farm, e.payload["location_id"], e.ts_utc)
    if brood := e.payload.get("assigned_brood_location_id"):
        require_active(farm, brood, e.ts_utc, field="assigned_brood_location_id")


def _moved(farm: FarmState, e: Event) -> None:
    p = e.payload
    source = single_location(living_states(farm, p["resolved_ids"], e.ts_utc))
    if source == p["to_location_id"]:
        raise ValidationError(
            "The animals are already at that location; choose another destination.",
            field="to_location_id",
        )
    require_active(farm, p["to_location_id"], e.ts_utc, field="to_location_id")


def _living_only(farm: FarmState, e: Event) -> None:
    living_states(farm, e.payload["resolved_ids"], e.ts_utc)


def _promoted(farm: FarmState, e: Event) -> None:
    p = e.payload
    living_states(farm, [p["animal_id"]], e.ts_utc)
    holders = farm.nickname_holders_from(p["nickname"], e.ts_utc, p["animal_id"])
    if holders:
        raise ValidationError(
            f"The nickname '{p['nickname']}' is already used by animal {holders[0]}.",
            field="nickname",
        )


def _outcome(farm: FarmState, e: Event) -> None:
    living_states(farm, e.payload["resolved_ids"], e.ts_utc)
    for item in e.payload.get("yield_items", ()):
        product = farm.require_product(item["product_code"])
        if product["kind"] != "yield":
            raise ValidationError(
                f"'{product['code']}' is not a harvest yield product.", field="yield_items"
            )


def _merged(farm: FarmState, e: Event) -> None:
    p = e.payload
    ids = [p["survivor_id"], *p["merged_ids"]]
    living_states(farm, ids, e.ts_utc)
    species = set(farm.species_of(ids).values())
    if len(species) > 1:
        raise ValidationError("Only animals of one species can be merged.", field="merged_ids")


def _status_corrected(farm: FarmState, e: Event) -> None:
    p = e.payload
    states = farm.states_at(p["animal_ids"], e.ts_utc)
    for animal in p["animal_ids"]:
        state = states.get(animal)
        if state is None:
            if farm.known(animal):
                raise ValidationError(
                    f"Animal {animal} did not exist yet on {describe_ts(e.ts_utc)}.",
                    field="animal_ids",
                )
            raise NotFoundError(f"There is no animal {animal}.")
        if state.status == AnimalStatus.MERGED_INTO:
            raise ValidationError(
                f"Animal {animal} was merged into {farm.survivor_of(animal)}; its status cannot"
                " be corrected.",
                field="animal_ids",
            )
        if state.status == p["new_status"]:
            raise ValidationError(
                f"Animal {animal} is already {p['new_status']} at that time.", field="new_status"
            )
        if p["new_status"] == AnimalStatus.ALIVE:
            if state.location_id is None:  # it left the living the moment it arrived
                raise ValidationError(
                    f"Animal {animal} was never at a location to return to; record it anew.",
                    field="animal_ids",
                )
            require_active(farm, state.location_id, e.ts_utc, field="animal_ids")


def _whole_pieces(product: dict, quantity) -> None:
    """A product counted in pieces takes whole numbers only."""
    if product["unit"] == "piece" and Decimal(str(quantity)) % 1 != 0:
        raise ValidationError(
            f"'{product['name']}' is counted in whole pieces; {quantity} is not a whole number.",
            field="quantity",
        )


def _collected(farm: FarmState, e: Event) -> None:
    p = e.payload
    product = farm.require_product(p["product_code"])
    _whole_pieces(product, p["quantity"])
    if not product["collectable"]:
        raise ValidationError(f"'{product['name']}' cannot be collected.", field="product_code")
    require_active(farm, p["location_id"], e.ts_utc)
    if p.get("resolved_ids"):
        living_states(farm, p["resolved_ids"], e.ts_utc)


def _sold(farm: FarmState, e: Event) -> None:
    product = farm.require_product(e.payload["product_code"])
    _whole_pieces(product, e.payload["quantity"])
    if not product["sellable"]:
        raise ValidationError(f"'{product['name']}' cannot be sold.", field="product_code")


def _feed_purchased(farm: FarmState, e: Event) -> None:
    farm.require_feed_type(e.payload["feed_type_code"])


def _feed_given(farm: FarmState, e: Event) -> None:
    p = e.payload
    feed_type = farm.require_feed_type(p["feed_type_code"])
    require_active(farm, p["location_id"], e.ts_utc)
    if farm.price_at(p["feed_type_code"], e.ts_utc) is None:
        raise ValidationError(
            f"No {feed_type['name']} feed had been bought by {describe_ts(e.ts_utc)}; record the"
            " purchase first.",
            field="feed_type_code",
        )


def _location(farm: FarmState, e: Event) -> None:
    """Location events are checked by folding every location event with this one in place.

    Names are unique across locations, so a backdated create or rename can clash with a later
    rename of another location: that later event is then the conflict.
    """
    events = [x for x in farm.location_events() if x.id != e.id]
    events = sorted([*events, e], key=lambda x: x.order_key)

    def check(event: Event, records: dict[str, LocationRecord]) -> None:
        try:
            check_location_event(farm, event, records)
        except AnimalTrackError as error:
            if event.id == e.id:
                raise
            raise HistoryConflict(
                f"This would make a later record invalid ({event.type} {event.id}):"
                f" {error.message}",
                [event.id],
            ) from error

    fold_locations(events, check)


CHECKS: dict[str, Callable[[FarmState, Event], None]] = {
    t.ANIMAL_COHORT_CREATED: _cohort,
    t.HATCH_RECORDED: _hatch,
    t.ANIMAL_MOVED: _moved,
    t.ANIMAL_ATTRIBUTES_UPDATED: _living_only,
    t.ANIMAL_TAGGED: _living_only,
    t.ANIMAL_TAG_ENDED: _living_only,
    t.ANIMAL_PROMOTED: _promoted,
    t.ANIMAL_OUTCOME: _outcome,
    t.ANIMAL_MERGED: _merged,
    t.ANIMAL_STATUS_CORRECTED: _status_corrected,
    t.PRODUCT_COLLECTED: _collected,
    t.PRODUCT_SOLD: _sold,
    t.FEED_PURCHASED: _feed_purchased,
    t.FEED_GIVEN: _feed_given,
    t.LOCATION_CREATED: _location,
    t.LOCATION_RENAMED: _location,
    t.LOCATION_ARCHIVED: _location,
}


def check_event(farm: FarmState, event: Event) -> None:
    """Raise the domain error of the first rule the event breaks at its place in history, as
    `farm` holds that history."""
    CHECKS[event.type](farm, event)


# -- locations ---------------------------------------------------------------------------------


def check_location_event(farm: FarmState, e: Event, records: dict[str, LocationRecord]) -> None:
    p = e.payload
    if e.type == t.LOCATION_CREATED:
        if p["location_id"] in records:
            raise ValidationError("That location already exists.", field="location_id")
        _unique_name(records, p["name"], None)
        return
    record = records.get(p["location_id"])
    if record is None or record.created_ts_utc > e.ts_utc:
        raise NotFoundError(f"There is no location {p['location_id']} at that time.")
    if not record.active_at(e.ts_utc):
        raise ValidationError(f"Location '{record.name}' is archived.", field="location_id")
    if e.type == t.LOCATION_RENAMED:
        _unique_name(records, p["new_name"], record.id)
    elif e.type == t.LOCATION_ARCHIVED:
        animals = farm.animals_at_location_from(record.id, e.ts_utc)
        if animals:
            raise ValidationError(
                f"Location '{record.name}' still has animals at that time or later (for example"
                f" {animals[0]}); move them out first.",
                field="location_id",
            )


def _unique_name(records: dict[str, LocationRecord], name: str, own_id: str | None) -> None:
    for other in records.values():
        if other.id != own_id and other.name.lower() == name.lower():
            raise ValidationError(f"A location called '{other.name}' already exists.", "name")
