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

Besides that live path, `batch()` builds the tables from a whole ordered stream of events at
once (rebuild, verify, replay, migrations): projections with animal rows fold in memory through
the same rules as the live path, and every projection loads its rows in bulk, in primary-key
order; `ProjectionRegistry.build` builds secondary indexes and triggers after the load.

A projection writes to the tables it is told at construction (`tables`, mapping the names of
its `TABLES` and `DEPENDS_ON` to the tables to use; default: the names themselves), so the same
code can build into a scratch database or shadow tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import sqlite_utils

from animaltrack.events.model import Event
from store.bulk import indexes_after


class Projection:
    """Base class; subclasses set TABLES and EVENT_TYPES and override the hooks they need."""

    NAME: str = ""  # what an operator calls it (`animaltrack verify --only NAME`)
    TABLES: tuple[str, ...] = ()
    # Tables of other projections this one reads while folding (so they are built first).
    DEPENDS_ON: tuple[str, ...] = ()
    EVENT_TYPES: frozenset[str] = frozenset()
    # R*Tree tables indexing its own tables: kept by triggers on them, filled in one pass after
    # a batch load, compared by span rather than row by row (their ids are rowids).
    RTREES: tuple[str, ...] = ()
    # True when the projection keeps per-animal rows that must be folded in time order.
    ANIMAL_ROWS: bool = False

    def __init__(self, db: sqlite_utils.Database, tables: Mapping[str, str] | None = None):
        self.db = db
        chosen = dict(tables or {})
        known = (*self.TABLES, *self.RTREES, *self.DEPENDS_ON)
        self.names = {name: chosen.get(name, name) for name in known}

    def sql(self, text: str) -> str:
        """`text` with each `{table}` replaced by the table this projection was told to use."""
        return text.format_map(self.names)

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

            named = events_naming(self.db, ids, table=self.names.get("event_animals"))
            others = [e for e in named if e != event.id]
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
        """Empty every table this projection owns (before a batch build into live tables)."""
        for table in self.TABLES:
            self.db.execute(f"DELETE FROM {self.names[table]}")

    def batch(self, log: str) -> Batch:
        """A batch build of this projection's empty tables; `log` is the schema holding the log
        the events come from (`main`, or an attached database), for set-based SQL."""
        return Batch(self)


class Batch:
    """A batch build: `add` every live event of the projection's types in `(ts_utc, id)` order,
    then `finish`. This default runs the live path one event at a time; projections override
    it to fold in memory and load in bulk."""

    def __init__(self, projection: Projection):
        self.projection = projection

    def add(self, event: Event) -> None:
        self.projection.apply(event)

    def finish(self) -> None:
        """Write what `add` gathered."""


class RuledProjection(Projection):
    """A projection with animal rows whose folding rules are written once (`RULES`, a class
    taking a state) over a state interface with two implementations: `SQL_STATE` over the
    tables for the live path, `MEMORY_STATE` for the batch build (`MemoryFold`)."""

    ANIMAL_ROWS = True
    DEPENDS_ON = ("event_animals",)  # reverting refolds the animals of an event: found there
    RULES: type
    SQL_STATE: type
    MEMORY_STATE: type

    def __init__(self, db: sqlite_utils.Database, tables: Mapping[str, str] | None = None):
        super().__init__(db, tables)
        self.rules = self.RULES(self.SQL_STATE(self))

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        self.rules.fold(event, only)


class MemoryFold(Batch):
    """The batch build of a `RuledProjection`: the same rules over its in-memory state;
    subclasses load `self.memory` in `finish`."""

    def __init__(self, projection: RuledProjection):
        super().__init__(projection)
        self.memory = projection.MEMORY_STATE()
        self.rules = projection.RULES(self.memory)

    def add(self, event: Event) -> None:
        self.rules.fold(event, None)


class BatchBuild:
    """The batch builds of a set of projections over one ordered stream: `add` sends each event
    to the builds of its type, `finish` writes them all. Apart from `ProjectionRegistry.build`
    so that a caller can read the folded state between two events — the rules do, through
    `MemoryFarmState`, when a whole history is checked in one pass."""

    def __init__(self, projections: Iterable[Projection], log: str):
        self.batches: dict[str, Batch] = {}
        self.by_type: dict[str, list[Batch]] = {}
        for projection in projections:
            batch = self.batches[projection.NAME] = projection.batch(log)
            for event_type in projection.get_event_types():
                self.by_type.setdefault(event_type, []).append(batch)

    def __getitem__(self, name: str) -> Batch:
        """The batch build of the projection called `name`."""
        return self.batches[name]

    def add(self, event: Event) -> None:
        for batch in self.by_type.get(event.type, ()):
            batch.add(event)

    def finish(self) -> None:
        for batch in self.batches.values():
            batch.finish()


def insert_rows(db, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Bulk-insert rows (already in primary-key order, so each lands at the end of its B-tree)."""
    marks = ", ".join("?" for _ in columns)
    db.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


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

    def truncate(self) -> None:
        for projection in self.projections:
            projection.truncate()

    def batches(self, log: str = "main") -> BatchBuild:
        """The batch builds of every projection, to be fed one ordered stream of events."""
        return BatchBuild(self.projections, log)

    def build(
        self,
        events: Iterable[Event],
        *,
        log: str = "main",
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Fill the (empty) tables from every live event, in `(ts_utc, id)` order, in one pass:
        each event goes to the batch builds of its type; secondary indexes and triggers are
        dropped for the load and built after it. Call inside a transaction. Returns the number
        of events read."""
        if not self.projections:
            return 0
        build = self.batches(log)
        count = 0
        with indexes_after(self.projections[0].db, self.tables()):
            for event in events:
                build.add(event)
                count += 1
                if progress is not None and count % 1000 == 0:
                    progress(count)
            build.finish()
        return count

    def tables(self) -> list[str]:
        return [p.names[t] for p in self.projections for t in p.TABLES]
