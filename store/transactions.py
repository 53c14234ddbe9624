"""The one transaction helper.

`with transaction(db):` opens a `BEGIN IMMEDIATE` transaction, so the write lock is taken before
the command reads anything it will check (SPEC §9.2: nothing can change between the check and the
append). Any exception rolls everything back. Nested use joins the outer transaction through a
SAVEPOINT, so a helper that needs atomicity can be called both alone and from inside a command.

Writers of one process queue on a lock of their own before `BEGIN IMMEDIATE`. SQLite makes a
connection that finds the write lock taken sleep and retry, backing off up to 100 ms a try; with
the server's worker threads writing at once, most of their time went to those sleeps (eight
clients recording feed got through a third of what one client alone did, with a p99 of half a
second). A thread lock hands the turn over the moment the writer before commits. Writers in
other processes (an operator tool) still meet SQLite's busy timeout, and the wait for the
thread lock is bounded by the same timeout, ending in the same "database is locked".
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import threading
from collections.abc import Iterator

import sqlite_utils

from store.connection import BUSY_TIMEOUT_MS

_savepoint_names = (f"at_sp_{n}" for n in itertools.count())
_writers: dict[str, threading.Lock] = {}
_writers_guard = threading.Lock()


def _writer_lock(db: sqlite_utils.Database) -> threading.Lock:
    """The lock the writers of this process take for the database file `db` is open on."""
    lock = getattr(db, "_animaltrack_writer", None)
    if lock is None:
        path = db.execute("PRAGMA database_list").fetchone()[2] or f"memory:{id(db)}"
        with _writers_guard:
            lock = _writers.setdefault(path, threading.Lock())
        db._animaltrack_writer = lock
    return lock


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block in one write transaction (or a savepoint of the one already open)."""
    if db.conn.in_transaction:
        name = next(_savepoint_names)
        db.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute(f"ROLLBACK TO SAVEPOINT {name}")
                db.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            db.execute(f"RELEASE SAVEPOINT {name}")
        return
    writer = _writer_lock(db)
    if not writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked")
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        else:
            try:
                db.commit()
            except BaseException:
                db.rollback()
                raise
    finally:
        writer.release()
