"""What the API shows as an event's animals and locations: the one place that derives them.

The log stores facts only (SPEC §1.9). An event's animals are those it creates or names
(`event_animals`) and, for a collection that names no producer, the producers: the live animals
of the product's species at its location at its `ts_utc`, read from the location intervals when
asked, so they follow history (a duck that a backdated death removed is no producer of later
eggs; one a backdated move brought in is). An event's locations are its `event_locations` rows,
which the projection derives again whenever its animals' history changes.

`subjects_of` answers for a page of events; `events_of_animals` is the same relation read the
other way, for `events(animalId:)` and timelines, and must agree with it (tested).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.state import SqlFarmState
from store.migrations import END_OF_TIME_UTC


@dataclass(frozen=True)
class Subjects:
    animal_ids: list[str]
    location_ids: list[str]
    from_location_id: str | None = None  # a move's source: the client's, else derived


def producers_at(db, product: dict, location_id: str, ts: int) -> list[str]:
    """The animals that laid what was collected, as the live tables answer it (the one
    definition is `FarmState.producers_at`, which the rules share)."""
    return SqlFarmState(db).producers_at(product, location_id, ts)


def derives_producers(event: Event) -> bool:
    """A collection whose producers the server answers (the client named none)."""
    return event.type == t.PRODUCT_COLLECTED and not event.payload.get("resolved_ids")


def subjects_of(db, events: Iterable[Event]) -> dict[str, Subjects]:
    """Each event's animals and locations, as the API shows them, by event id."""
    events = list(events)
    products = {
        r[0]: {"species_code": r[1]} for r in db.execute("SELECT code, species_code FROM products")
    }
    places: dict[str, list[str]] = defaultdict(list)
    for event_id, location_id in db.execute(
        "SELECT event_id, location_id FROM event_locations"
        " WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY event_id, location_id",
        (json_list(e.id for e in events),),
    ):
        places[event_id].append(location_id)
    found = {}
    for event in events:
        animals = event.animal_ids()
        if derives_producers(event):
            product = products.get(event.payload["product_code"], {"species_code": None})
            animals = producers_at(db, product, event.payload["location_id"], event.ts_utc)
        locations = list(dict.fromkeys([*event.location_ids(), *places[event.id]]))
        found[event.id] = Subjects(animals, locations, _move_source(event, locations))
    return found


def _move_source(event: Event, locations: list[str]) -> str | None:
    """A move is about its source and its destination; the source is the other one."""
    if event.type != t.ANIMAL_MOVED:
        return None
    if event.payload.get("from_location_id"):
        return event.payload["from_location_id"]
    sources = [loc for loc in locations if loc != event.payload["to_location_id"]]
    return sources[0] if len(sources) == 1 else None


# The live collections an animal produced: at its location while it was alive, of a product of
# its species, naming no producers itself. Parameters: a JSON list of animal ids.
_PRODUCED = f"""
SELECT c.event_id FROM animal_location_intervals l
JOIN product_ledger c ON c.location_id = l.location_id AND c.entry = 'collected'
  AND c.ts_utc >= l.start_utc AND c.ts_utc < COALESCE(l.end_utc, {END_OF_TIME_UTC})
JOIN products p ON p.code = c.product_code
JOIN animal_registry r ON r.animal_id = l.animal_id AND r.species = p.species_code
WHERE l.animal_id IN (SELECT value FROM json_each(?))
  AND NOT EXISTS (SELECT 1 FROM event_animals n WHERE n.event_id = c.event_id)
  AND EXISTS (SELECT 1 FROM animal_attr_intervals s WHERE s.animal_id = l.animal_id
    AND s.attr = 'status' AND s.value = 'alive' AND s.start_utc <= c.ts_utc
    AND COALESCE(s.end_utc, {END_OF_TIME_UTC}) > c.ts_utc)
"""


def events_of_animals(animal_ids: Iterable[str]) -> tuple[str, list]:
    """A subquery (SQL, parameters) of the ids of the events whose animals, as `subjects_of`
    answers them, include one of these: those creating or naming them, and the collections
    they produced."""
    ids = json_list(animal_ids)
    named = "SELECT event_id FROM event_animals WHERE animal_id IN (SELECT value FROM json_each(?))"
    sql = f"{named} UNION {_PRODUCED}"
    return sql, [ids, ids]
