"""Scratch databases: a migrated file of their own, into which a snapshot of the log is copied and
folded (verify, replay).

The live database is read inside one read transaction, so the copy is one consistent snapshot
however long it takes and however much the server writes meanwhile; the scratch file is written
through a connection of its own.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from store import connect, transaction
from store.migrations import migrate

# The reference data a history needs, and the log itself.
REFERENCE_TABLES = ("species", "products", "feed_types", "users")
LOG_TABLES = ("events", "event_revisions", "event_tombstones", "log_changes")
_BATCH = 10_000


@contextlib.contextmanager
def scratch_database(
    directory: str | Path | None = None,
) -> Iterator[tuple[Path, sqlite_utils.Database]]:
    """A migrated, empty database in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="animaltrack-", dir=directory) as tmp:
        path = Path(tmp) / "scratch.db"
        db = connect(path)
        try:
            migrate(db)
            yield path, db
        finally:
            db.close()


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Hold one read transaction on `db`: every read inside sees the same committed state."""
    db.execute("BEGIN")
    try:
        db.execute("SELECT COUNT(*) FROM events").fetchone()  # the snapshot starts here
        yield
    finally:
        db.execute("ROLLBACK")


def copy_history(source, target) -> tuple[int, int]:
    """Copy the reference data and the log from `source` (inside the caller's read snapshot)
    into `target`; return the log sequence number they stand at and how many live events the
    log holds (the work of a fold)."""
    for table in (*REFERENCE_TABLES, *LOG_TABLES):
        copy_rows(source, target, table)
    (seq,) = target.execute("SELECT COALESCE(MAX(seq), 0) FROM log_changes").fetchone()
    (live,) = target.execute(
        "SELECT COUNT(*) FROM events WHERE id NOT IN (SELECT target_event_id FROM event_tombstones)"
    ).fetchone()
    return seq, live


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
