"""Re-check a generated history with the services' own rules (the generator skips them).

`check_history(path)` copies the log of the database at `path` into a scratch database and folds
it again, event by event in `(ts_utc, id)` order; before each event it runs
`animaltrack.services.rules.check_event` against the history that precedes it, and recomputes
the entity refs the services would have written (a move's source, a selection's single
location, a collection's derived producers). The first difference raises `HistoryInvalid`.
Meant for small histories (a few thousand events): it is as slow as recording them one by one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from animaltrack.errors import AnimalTrackError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry, intervals
from animaltrack.projections.replay import copy_log
from animaltrack.reference import require_product
from animaltrack.services import rules
from animaltrack.services.products import derive_producers
from store import connect, transaction
from store.migrations import migrate

_SELECTION_TYPES = (
    t.ANIMAL_ATTRIBUTES_UPDATED,
    t.ANIMAL_TAGGED,
    t.ANIMAL_TAG_ENDED,
    t.ANIMAL_OUTCOME,
)


class HistoryInvalid(AssertionError):
    """A generated event breaks a rule, or its entity refs differ from the services'."""


def expected_refs(db, event: Event) -> dict | None:
    """The entity refs a service would write for this event now, or None when not derived."""
    p = event.payload
    if event.type == t.ANIMAL_MOVED:
        source = rules.single_location(rules.living_states(db, p["resolved_ids"], event.ts_utc))
        return {
            "animal_ids": list(p["resolved_ids"]),
            "from_location_id": source,
            "to_location_id": p["to_location_id"],
        }
    if event.type in _SELECTION_TYPES or event.type == t.ANIMAL_PROMOTED:
        ids = list(p["resolved_ids"]) if "resolved_ids" in p else [p["animal_id"]]
        refs: dict = {"animal_ids": ids}
        places = {s.location_id for s in intervals.states_at(db, ids, event.ts_utc).values()}
        if len(places) == 1:
            refs["location_id"] = places.pop()
        return refs
    if event.type == t.PRODUCT_COLLECTED and "resolved_ids" not in p:
        product = require_product(db, p["product_code"])
        producers = derive_producers(db, product, p["location_id"], event.ts_utc)
        return {"location_id": p["location_id"], "animal_ids": producers}
    return None


def check_history(path: str | Path) -> int:
    """Check every event of the history at `path`; return how many were checked."""
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "check.db")
        try:
            migrate(db)
            copy_log(path, db)
            registry = default_registry(db)
            count = 0
            with transaction(db):
                for event in EventStore(db).iter_events():
                    try:
                        rules.check_event(db, event)
                        refs = expected_refs(db, event)
                    except AnimalTrackError as error:
                        raise HistoryInvalid(
                            f"{event.type} {event.id} at {event.ts_utc}: {error.message}"
                        ) from error
                    if refs is not None and refs != event.entity_refs:
                        raise HistoryInvalid(
                            f"{event.type} {event.id}: entity_refs {event.entity_refs}"
                            f" differ from the services' {refs}"
                        )
                    registry.apply(event)
                    count += 1
            return count
        finally:
            db.close()
