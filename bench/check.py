"""Re-check a generated history with the services' own rules (the generator skips them).

`check_history(path)` copies the log of the database at `path` into a scratch database and folds
it in one pass, in `(ts_utc, id)` order, with the projections' batch builds in memory; before each
event it runs `animaltrack.services.rules.check_event` against the history that precedes it, read
from that fold (`MemoryFarmState`: the same rules the services run over the live tables), and
checks what the services check when recording: refs that are facts only, a producer for each
collection. The first difference raises `HistoryInvalid`. Nothing is written but the copy, so
a whole benchmark history checks in about the time a rebuild folds it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from animaltrack.errors import AnimalTrackError
from animaltrack.events.model import Event
from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.replay import copy_log
from animaltrack.projections.state import RULE_PROJECTIONS, FarmState, MemoryFarmState
from animaltrack.queries.subjects import derives_producers
from animaltrack.services import rules
from animaltrack.services.products import require_producers
from store import connect
from store.migrations import migrate


class HistoryInvalid(AssertionError):
    """A generated event breaks a rule, or stores more than its facts."""


def check_recorded(farm: FarmState, event: Event) -> None:
    """What the services check when they record the event, beyond its rules: its refs are its
    facts (SPEC §1.9), and a collection finds a producer."""
    facts = facts_refs(event.type, event.payload, created_animal_ids(event.type, event.entity_refs))
    if event.entity_refs != facts:
        raise HistoryInvalid(f"{event.type} {event.id}: entity_refs {event.entity_refs} != {facts}")
    if derives_producers(event):
        product = farm.require_product(event.payload["product_code"])
        require_producers(farm, product, event.payload["location_id"], event.ts_utc)


def check_history(path: str | Path) -> int:
    """Check every event of the history at `path`; return how many were checked."""
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "check.db")
        try:
            migrate(db)
            copy_log(path, db)
            # Only folded, never finished: the batch builds' memory is the state checked.
            build = default_registry(db, RULE_PROJECTIONS).batches()
            farm = MemoryFarmState(build, db)
            count = 0
            for event in EventStore(db).iter_events():
                try:
                    rules.check_event(farm, event)
                    check_recorded(farm, event)
                except AnimalTrackError as error:
                    raise HistoryInvalid(
                        f"{event.type} {event.id} at {event.ts_utc}: {error.message}"
                    ) from error
                build.add(event)
                count += 1
            return count
        finally:
            db.close()
