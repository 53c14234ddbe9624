"""Replay: fold the log into empty projection tables (SPEC §1.7, §14).

Used by tests (live tables must equal a replay), the rebuild and verify tools, and the benchmark
generator. Events are folded in `(ts_utc, id)` order, tombstoned ones left out, latest versions
only, so every fold is the in-order case.
"""

from __future__ import annotations

from collections.abc import Callable

from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.base import ProjectionRegistry
from animaltrack.scratch import LOG_TABLES, REFERENCE_TABLES
from store import transaction


def replay(
    db,
    registry: ProjectionRegistry | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    source=None,
) -> int:
    """Empty the registry's tables in `db` and fold every live event of `source` (default `db`)
    into them, in one transaction. Returns the number of events folded."""
    registry = registry or default_registry(db)
    count = 0
    with transaction(db):
        for projection in registry:
            projection.truncate()
        for event in EventStore(source or db).iter_events():
            registry.apply(event)
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count)
    return count


def copy_log(source_path, target) -> None:
    """Copy the reference data and the whole log from the database file at `source_path` into
    the migrated, empty database `target` (tokens and nonces are not history and stay behind)."""

    target.execute("ATTACH DATABASE ? AS source", (str(source_path),))
    try:
        with transaction(target):
            for table in (*REFERENCE_TABLES, *LOG_TABLES):
                target.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
    finally:
        target.execute("DETACH DATABASE source")


def projection_rows(db, registry: ProjectionRegistry | None = None) -> dict[str, list[tuple]]:
    """Every row of every projection table, in a stable order, for comparing two databases."""
    registry = registry or default_registry(db)
    return {
        table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
        for table in registry.tables()
    }
