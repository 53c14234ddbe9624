"""The rules each event must pass at its own place in history (SPEC §5, §6.3).

`check_event(db, event)` reads the state at `event.ts_utc` from the projections and raises a domain
error when the event breaks a rule. It is used twice: before a new event is appended, and by the
history rule to re-check later events after a backdated append, an edit or a delete (then the
animals involved have been folded only up to the event under check, so "the state at T" is
exactly the history before it).

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
from animaltrack.projections import feed, intervals
from animaltrack.projections.animal_registry import registry_rows, survivor_of
from animaltrack.projections.locations import (
    LocationRecord,
    fold_locations,
    location_events,
    require_active,
)
from animaltrack.reference import require_feed_type, require_product, require_species
from animaltrack.timefmt import describe_ts

_STATUS_WORDS = {
    AnimalStatus.DEAD: "had died",
    AnimalStatus.HARVESTED: "had been harvested",
    AnimalStatus.SOLD: "had been sold",
}


def living_states(db, animal_ids: Iterable[str], ts: int) -> dict[str, intervals.AnimalState]:
    """States of animals that must all exist and be alive at ts; refuse the first that is not."""
    ids = list(animal_ids)
    states = intervals.states_at(db, ids, ts)
    for animal in ids:
        state = states.get(animal)
        if state is None:
            if registry_rows(db, [animal]):
                raise ValidationError(
                    f"Animal {animal} did not exist yet on {describe_ts(ts)}.", field="animal_ids"
                )
            raise NotFoundError(f"There is no animal {animal}.")
        if state.status == AnimalStatus.MERGED_INTO:
            survivor = survivor_of(db, animal)
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


def single_location(states: dict[str, intervals.AnimalState]) -> str:
    locations = {s.location_id for s in states.values()}
    if len(locations) != 1:
        raise ValidationError(
            "These animals are in different locations; move the animals of one location at a time.",
            field="resolved_ids",
        )
    return locations.pop()


# -- one check per event type ------------------------------------------------------------------


def _cohort(db, e: Event) -> None:
    require_species(db, e.payload["species"])
    require_active(db, e.payload["location_id"], e.ts_utc)


def _hatch(db, e: Event) -> None:
    require_species(db, e.payload["species"])
    require_active(db, e.payload["location_id"], e.ts_utc)
    if brood := e.payload.get("assigned_brood_location_id"):
        require_active(db, brood, e.ts_utc, field="assigned_brood_location_id")


def _moved(db, e: Event) -> None:
    p = e.payload
    source = single_location(living_states(db, p["resolved_ids"], e.ts_utc))
    if source == p["to_location_id"]:
        raise ValidationError(
            "The animals are already at that location; choose another destination.",
            field="to_location_id",
        )
    require_active(db, p["to_location_id"], e.ts_utc, field="to_location_id")


def _living_only(db, e: Event) -> None:
    living_states(db, e.payload["resolved_ids"], e.ts_utc)


def _promoted(db, e: Event) -> None:
    p = e.payload
    living_states(db, [p["animal_id"]], e.ts_utc)
    holders = intervals.nickname_holders_from(db, p["nickname"], e.ts_utc, p["animal_id"])
    if holders:
        raise ValidationError(
            f"The nickname '{p['nickname']}' is already used by animal {holders[0]}.",
            field="nickname",
        )


def _outcome(db, e: Event) -> None:
    living_states(db, e.payload["resolved_ids"], e.ts_utc)
    for item in e.payload.get("yield_items", ()):
        product = require_product(db, item["product_code"])
        if product["kind"] != "yield":
            raise ValidationError(
                f"'{product['code']}' is not a harvest yield product.", field="yield_items"
            )


def _merged(db, e: Event) -> None:
    p = e.payload
    ids = [p["survivor_id"], *p["merged_ids"]]
    living_states(db, ids, e.ts_utc)
    species = {row["species"] for row in registry_rows(db, ids).values()}
    if len(species) > 1:
        raise ValidationError("Only animals of one species can be merged.", field="merged_ids")


def _status_corrected(db, e: Event) -> None:
    p = e.payload
    states = intervals.states_at(db, p["animal_ids"], e.ts_utc)
    for animal in p["animal_ids"]:
        state = states.get(animal)
        if state is None:
            if registry_rows(db, [animal]):
                raise ValidationError(
                    f"Animal {animal} did not exist yet on {describe_ts(e.ts_utc)}.",
                    field="animal_ids",
                )
            raise NotFoundError(f"There is no animal {animal}.")
        if state.status == AnimalStatus.MERGED_INTO:
            raise ValidationError(
                f"Animal {animal} was merged into {survivor_of(db, animal)}; its status cannot"
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
            require_active(db, state.location_id, e.ts_utc, field="animal_ids")


def _whole_pieces(product: dict, quantity) -> None:
    """A product counted in pieces takes whole numbers only."""
    if product["unit"] == "piece" and Decimal(str(quantity)) % 1 != 0:
        raise ValidationError(
            f"'{product['name']}' is counted in whole pieces; {quantity} is not a whole number.",
            field="quantity",
        )


def _collected(db, e: Event) -> None:
    p = e.payload
    product = require_product(db, p["product_code"])
    _whole_pieces(product, p["quantity"])
    if not product["collectable"]:
        raise ValidationError(f"'{product['name']}' cannot be collected.", field="product_code")
    require_active(db, p["location_id"], e.ts_utc)
    if p.get("resolved_ids"):
        living_states(db, p["resolved_ids"], e.ts_utc)


def _sold(db, e: Event) -> None:
    product = require_product(db, e.payload["product_code"])
    _whole_pieces(product, e.payload["quantity"])
    if not product["sellable"]:
        raise ValidationError(f"'{product['name']}' cannot be sold.", field="product_code")


def _feed_purchased(db, e: Event) -> None:
    require_feed_type(db, e.payload["feed_type_code"])


def _feed_given(db, e: Event) -> None:
    p = e.payload
    feed_type = require_feed_type(db, p["feed_type_code"])
    require_active(db, p["location_id"], e.ts_utc)
    if feed.price_at(db, p["feed_type_code"], e.ts_utc) is None:
        raise ValidationError(
            f"No {feed_type['name']} feed had been bought by {describe_ts(e.ts_utc)}; record the"
            " purchase first.",
            field="feed_type_code",
        )


def _location(db, e: Event) -> None:
    """Location events are checked by folding every location event with this one in place.

    Names are unique across locations, so a backdated create or rename can clash with a later
    rename of another location: that later event is then the conflict.
    """
    events = [x for x in location_events(db) if x.id != e.id]
    events = sorted([*events, e], key=lambda x: x.order_key)

    def check(event: Event, records: dict[str, LocationRecord]) -> None:
        try:
            check_location_event(db, event, records)
        except AnimalTrackError as error:
            if event.id == e.id:
                raise
            raise HistoryConflict(
                f"This would make a later record invalid ({event.type} {event.id}):"
                f" {error.message}",
                [event.id],
            ) from error

    fold_locations(events, check)


CHECKS: dict[str, Callable[[object, Event], None]] = {
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


def check_event(db, event: Event) -> None:
    """Raise the domain error of the first rule the event breaks at its place in history."""
    CHECKS[event.type](db, event)


# -- locations ---------------------------------------------------------------------------------


def check_location_event(db, e: Event, records: dict[str, LocationRecord]) -> None:
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
        animals = intervals.any_animal_at_location_from(db, record.id, e.ts_utc)
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
