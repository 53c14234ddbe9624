"""The history rule (SPEC §6.3): after any change to the log, history must still be valid.

`reconcile` is called inside the command's transaction once the log holds the change (an append,
a new version, tombstones). It brings every projection in step and re-checks the later events the
change could affect:

* the events that create or name one of the change's animals (`event_animals`);
* the location events of the locations it is about — named, or where its animals were, read
  before the change (a deleted move leaves its animals at their source, whose later archive may
  no longer stand) — and all events about them when the change is itself a location event;
* the feed given of a feed type whose purchase changed.

When nothing later is affected and the change is an append, the event is simply applied. Otherwise
the animals involved (those of the change, of the affected events, and the aliases merged into
them) are forgotten and their events folded again in `(ts_utc, id)` order, each affected event
checked just before it is folded, against exactly the history that precedes it. The first failure
aborts the transaction with `HistoryConflict` naming that event.
"""

from __future__ import annotations

from collections.abc import Iterable

from animaltrack.errors import AnimalTrackError, HistoryConflict
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.store import EventStore, json_list
from animaltrack.projections.base import ProjectionRegistry
from animaltrack.projections.event_animals import events_naming
from animaltrack.projections.event_log import events_about, locations_of
from animaltrack.projections.locations import fold_locations
from animaltrack.projections.state import SqlFarmState
from animaltrack.services import rules


def reconcile(
    db,
    store: EventStore,
    registry: ProjectionRegistry,
    *,
    removed: Iterable[Event] = (),
    added: Iterable[Event] = (),
    appended: bool = False,
) -> None:
    """Bring projections in step with a change already written to the log; enforce history."""
    removed, added = list(removed), list(added)
    places = {loc for e in removed + added for loc in locations_of(db, e)}
    for event in removed:
        registry.unrecord(event)
    for event in added:
        registry.record(event)

    changed = removed + added
    start = min(e.order_key for e in changed)
    affected = _affected_events(db, store, changed, places, start)
    if not appended:  # a new version must pass its own rules at its new place
        known = {e.id for e in affected}
        extra = [e for e in added if e.id not in known]
        affected = sorted([*affected, *extra], key=lambda e: e.order_key)
    added_ids = {e.id for e in added}
    animals = {a for e in changed for a in e.animal_ids()}

    if appended and {e.id for e in affected} <= added_ids:
        for event in added:
            registry.fold(event, None)  # in order: the common case, already checked
        return

    if any(e.type in t.LOCATION_EVENT_TYPES for e in changed):
        _recheck_locations(db, store, added_ids)
    _refold_and_recheck(
        db, store, registry, animals, affected, skip=added_ids if appended else (), own=added_ids
    )


def _affected_events(
    db, store: EventStore, changed: list[Event], places: set[str], start
) -> list[Event]:
    animals = {a for e in changed for a in e.animal_ids()}
    ids = set(events_naming(db, animals, start)) if animals else set()
    if places:
        if any(e.type in t.LOCATION_EVENT_TYPES for e in changed):
            ids.update(events_about(db, places, start))
        else:
            location_events = store.events_of_types_naming(
                t.LOCATION_EVENT_TYPES, "location_id", places, start
            )
            ids.update(e.id for e in location_events)
    purchases = {e.payload["feed_type_code"] for e in changed if e.type == t.FEED_PURCHASED}
    if purchases:
        given = store.events_of_types_naming([t.FEED_GIVEN], "feed_type_code", purchases, start)
        ids.update(e.id for e in given)
    return store.events_by_ids(ids)


def _with_aliases(db, animals: set[str]) -> set[str]:
    """Add the animals merged into any of these, so their alias rows refold too."""
    rows = db.execute(
        "SELECT alias_id FROM animal_aliases WHERE survivor_id IN (SELECT value FROM json_each(?))",
        (json_list(animals),),
    ).fetchall()
    return animals | {r[0] for r in rows}


def _refold_and_recheck(
    db,
    store: EventStore,
    registry: ProjectionRegistry,
    animals: set[str],
    affected: list[Event],
    skip: Iterable[str],
    own: set[str],
) -> None:
    skip = set(skip)
    involved = set(animals)
    for event in affected:
        involved.update(event.animal_ids())
    involved = _with_aliases(db, involved)
    history = {e.id: e for e in store.events_by_ids(events_naming(db, involved))}
    history |= {e.id: e for e in affected}
    affected_ids = {e.id for e in affected}
    only = frozenset(involved)
    registry.forget(only)
    for event in sorted(history.values(), key=lambda e: e.order_key):
        if event.id in affected_ids and event.id not in skip:
            _recheck(db, event, own=event.id in own)
        registry.fold(event, only)


def _recheck(db, event: Event, *, own: bool) -> None:
    """Check one event at its place; a failure of a later event is a `HistoryConflict`, a
    failure of the edited event itself keeps its own error (a half egg is a ValidationError)."""
    if event.type in t.LOCATION_EVENT_TYPES:
        return  # checked as a whole by _recheck_locations
    if own:
        rules.check_event(SqlFarmState(db), event)
        return
    try:
        rules.check_event(SqlFarmState(db), event)
    except AnimalTrackError as error:
        raise HistoryConflict(
            f"This change would make a later record invalid ({event.type} {event.id}):"
            f" {error.message}",
            [event.id],
        ) from error


def _recheck_locations(db, store: EventStore, skip: set[str]) -> None:
    """Fold every location event again, checking each (but an append already checked)."""
    farm = SqlFarmState(db)

    def check(event: Event, records) -> None:
        if event.id in skip:
            return
        try:
            rules.check_location_event(farm, event, records)
        except AnimalTrackError as error:
            raise HistoryConflict(
                f"This change would make a location's history invalid ({event.type}"
                f" {event.id}): {error.message}",
                [event.id],
            ) from error

    fold_locations(store.list_events(types=t.LOCATION_EVENT_TYPES), check)
