"""Scratch databases: a migrated file of their own, where the tools build projections from the
live log without writing to the live database (rebuild, verify).

The scratch connection attaches the live database as `log` and holds one read transaction on
it for the whole build: every read of the log, and of the live projections a verify compares,
sees one committed state however long the build takes and however much the server writes
meanwhile. Writing only to its own file, the connection never takes the live database's write
lock. The scratch file is throwaway, so it is written without a journal or fsync.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from animaltrack.projections import default_registry
from animaltrack.projections.base import ProjectionRegistry
from animaltrack.projections.replay import replay
from store import connect, transaction
from store.migrations import REFERENCE_TABLES, migrate

# The scratch connection's page cache: the build sorts and indexes millions of rows.
SCRATCH_CACHE_KIB = 64 * 1024
_BATCH = 10_000


@contextlib.contextmanager
def scratch_database(
    directory: str | Path | None = None,
) -> Iterator[tuple[Path, sqlite_utils.Database]]:
    """A migrated, empty database in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="animaltrack-", dir=directory) as tmp:
        path = Path(tmp) / "scratch.db"
        db = open_scratch(path)
        try:
            yield path, db
        finally:
            db.close()


def open_scratch(path: str | Path) -> sqlite_utils.Database:
    """A new migrated database at `path`, tuned for one big throwaway build."""
    db = connect(path)
    migrate(db)
    db.execute("PRAGMA main.journal_mode=OFF")
    db.execute("PRAGMA main.synchronous=OFF")
    db.execute(f"PRAGMA main.cache_size=-{SCRATCH_CACHE_KIB}")
    return db


def database_path(db: sqlite_utils.Database) -> str:
    """The file behind a connection's main database."""
    return next(r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main")


@dataclass(frozen=True)
class Built:
    """What a build from the live log read: its log sequence number and its live events."""

    registry: ProjectionRegistry
    seq: int
    events: int


@contextlib.contextmanager
def built_from_log(
    scratch: sqlite_utils.Database,
    live_path: str | Path,
    *,
    only: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Iterator[Built]:
    """Build the projections named in `only` (and what they read), or all, into `scratch` from
    one snapshot of the log of the database at `live_path`, attached as `log`. The snapshot is
    held until the block ends, so the caller can compare the result with the live tables as
    they stood at that same instant."""
    scratch.execute("ATTACH DATABASE ? AS log", (str(live_path),))
    try:
        scratch.execute("BEGIN")  # deferred: a snapshot of `log`, and no lock on it
        try:
            for table in REFERENCE_TABLES:
                scratch.execute(f"INSERT INTO main.{table} SELECT * FROM log.{table}")
            (seq,) = scratch.execute("SELECT COALESCE(MAX(seq), 0) FROM log.log_changes").fetchone()
            (live,) = scratch.execute(
                "SELECT COUNT(*) FROM log.events"
                " WHERE id NOT IN (SELECT target_event_id FROM log.event_tombstones)"
            ).fetchone()
            registry = default_registry(scratch, only)
            report = progress or (lambda *_: None)
            replay(scratch, registry, log="log", progress=lambda n: report("build", n, live))
            yield Built(registry, seq, live)
            scratch.execute("COMMIT")
        except BaseException:
            scratch.execute("ROLLBACK")
            raise
    finally:
        scratch.execute("DETACH DATABASE log")


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Hold one read transaction on `db`: every read inside sees the same committed state."""
    db.execute("BEGIN")
    try:
        db.execute("SELECT COUNT(*) FROM events").fetchone()  # the snapshot starts here
        yield
    finally:
        db.execute("ROLLBACK")


def copy_rows(
    source,
    target,
    table: str,
    where: str = "",
    params=(),
    *,
    into: str | None = None,
    transactional: bool = True,
) -> int:
    """Copy the rows of `table` (all columns) that match `where` into the same table of `target`
    (or `into`), in batches, in one transaction unless the caller holds one; returns how many."""
    cursor = source.execute(f"SELECT * FROM main.{table} {where}", params)
    places = ", ".join("?" for _ in cursor.description)
    insert = f"INSERT INTO {into or table} VALUES ({places})"
    copied = 0
    with transaction(target) if transactional else contextlib.nullcontext():
        while rows := cursor.fetchmany(_BATCH):
            target.conn.executemany(insert, rows)
            copied += len(rows)
    return copied
