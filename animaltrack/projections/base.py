"""The projection contract (SPEC §6.1) and the registry that dispatches events to projections.

A projection keeps read-model tables in step with the log, inside the command's transaction.
Two kinds of rows exist, and the split is what makes backdated events cheap to get right:

* **event rows** (`record` / `unrecord`): rows that belong to one event and do not depend on what
  came before it — an entry in a ledger, a row of `event_animals`. They are written and removed
  in any order.
* **animal rows** (`fold` / `forget`): per-animal history (intervals, current state), which only
  makes sense folded in `(ts_utc, id)` order. An out-of-order change forgets the affected
  animals' rows and folds their events again (`refold`).

`apply(event)` = `record` + `fold` (the in-order case); `revert(event)` = `unrecord` + a refold of
the event's animals without it; `refold(animal_ids, events)` = `forget` + `fold` each event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlite_utils

from animaltrack.events.model import Event


class Projection:
    """Base class; subclasses set TABLES and EVENT_TYPES and override the hooks they need."""

    NAME: str = ""  # what an operator calls it (`animaltrack verify --only NAME`)
    TABLES: tuple[str, ...] = ()
    # Tables of other projections this one reads while folding (so they are built first).
    DEPENDS_ON: tuple[str, ...] = ()
    EVENT_TYPES: frozenset[str] = frozenset()
    # True when the projection keeps per-animal rows that must be folded in time order.
    ANIMAL_ROWS: bool = False

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def get_event_types(self) -> frozenset[str]:
        return self.EVENT_TYPES

    def apply(self, event: Event) -> None:
        """Fold an event that is the latest one for every row it touches."""
        self.record(event)
        self.fold(event, None)

    def revert(self, event: Event) -> None:
        """Undo an event that has just left the log (tombstoned or replaced)."""
        self.unrecord(event)
        if self.ANIMAL_ROWS and (ids := event.animal_ids()):
            from animaltrack.events.store import EventStore
            from animaltrack.projections.event_animals import events_naming

            others = [e for e in events_naming(self.db, ids) if e != event.id]
            self.refold(ids, EventStore(self.db).events_by_ids(others))

    def refold(self, animal_ids: Iterable[str], events: Sequence[Event]) -> None:
        """Rewrite these animals' rows from their events, given in `(ts_utc, id)` order."""
        only = frozenset(animal_ids)
        self.forget(only)
        for event in events:
            if event.type in self.EVENT_TYPES:
                self.fold(event, only)

    # Hooks -------------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Write the rows that belong to this event alone."""

    def unrecord(self, event: Event) -> None:
        """Remove the rows `record` wrote."""

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        """Advance per-animal rows past this event; `only` limits which animals are touched."""

    def forget(self, animal_ids: frozenset[str]) -> None:
        """Delete every per-animal row of these animals."""

    def truncate(self) -> None:
        """Empty every table this projection owns (used before a full replay)."""
        for table in self.TABLES:
            self.db.execute(f"DELETE FROM {table}")


def only_these(ids: Iterable[str], only: frozenset[str] | None) -> list[str]:
    """The ids a fold should touch: all of them, or those in `only`."""
    return [i for i in ids if only is None or i in only]


class ProjectionRegistry:
    """Keeps projections and dispatches each event to those that handle its type, in order."""

    def __init__(self) -> None:
        self.projections: list[Projection] = []

    def register(self, projection: Projection) -> Projection:
        self.projections.append(projection)
        return projection

    def __iter__(self):
        return iter(self.projections)

    def _for(self, event: Event) -> list[Projection]:
        return [p for p in self.projections if event.type in p.get_event_types()]

    def apply(self, event: Event) -> None:
        for projection in self._for(event):
            projection.apply(event)

    def revert(self, event: Event) -> None:
        for projection in self._for(event):
            projection.revert(event)

    def record(self, event: Event) -> None:
        for projection in self._for(event):
            projection.record(event)

    def unrecord(self, event: Event) -> None:
        for projection in self._for(event):
            projection.unrecord(event)

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        for projection in self._for(event):
            projection.fold(event, only)

    def forget(self, animal_ids: frozenset[str]) -> None:
        for projection in self.projections:
            projection.forget(animal_ids)

    def refold(self, animal_ids: Iterable[str], events: Sequence[Event]) -> None:
        for projection in self.projections:
            if projection.ANIMAL_ROWS:
                projection.refold(animal_ids, events)

    def tables(self) -> list[str]:
        return [t for p in self.projections for t in p.TABLES]
