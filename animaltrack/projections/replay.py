"""Replay: build the projection tables from the log (SPEC §1.7, §14).

Used by tests (live tables must equal a replay), the rebuild, verify and replay tools, the
migrations and the benchmark generator. Latest versions of the live events, in `(ts_utc, id)`
order, go through each projection's batch build (`Projection.batch`).
"""

from __future__ import annotations

from collections.abc import Callable

from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.base import ProjectionRegistry
from store import transaction
from store.migrations import LOG_TABLES, REFERENCE_TABLES


def replay(
    db,
    registry: ProjectionRegistry | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    log: str = "main",
) -> int:
    """Empty the registry's tables in `db` and build them from every live event of the log in
    schema `log` of the same connection (default: its own), in one transaction, by the batch
    builds. Returns the number of events read."""
    registry = registry or default_registry(db)
    with transaction(db):
        registry.truncate()
        events = EventStore(db).iter_events(schema=log)
        return registry.build(events, log=log, progress=progress)


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
