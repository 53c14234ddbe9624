"""The one transaction helper.

`with transaction(db):` opens a `BEGIN IMMEDIATE` transaction, so the write lock is taken before
the command reads anything it will check (SPEC §9.2: nothing can change between the check and the
append). Any exception rolls everything back. Nested use joins the outer transaction through a
SAVEPOINT, so a helper that needs atomicity can be called both alone and from inside a command.

Writers of one process queue on a lock of their own before `BEGIN IMMEDIATE`. SQLite makes a
connection that finds the write lock taken sleep and retry, backing off up to 100 ms a try; with
the server's worker threads writing at once, most of their time went to those sleeps (eight
clients recording feed got through a third of what one client alone did, with a p99 of half a
second). A thread lock hands the turn over the moment the writer before commits.

The server's processes take turns the same way across processes (`take_turns_across_processes`):
an exclusive `flock` on `<database>-lock`, which the kernel drops with its holder, even one
killed with -9. When every worker wrote, under the load's mix at 200 operations/s on two
processes, SQLite's back-off alone gave a p99 mutation latency of 301–739 ms, the lock 133–165.
Since `serve --workers N` hands its mutations to one writer process (`resolvers/writer.py`), the
lock is held by that writer, and matters where another server writes to the same file.
Writers in other processes (an operator tool) still meet SQLite's busy timeout, and the waits
for both locks are bounded by the same timeout, ending in the same "database is locked".
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Iterator

import sqlite_utils

from store.connection import BUSY_TIMEOUT_MS
from store.files import PRIVATE_MODE

_savepoint_names = (f"at_sp_{n}" for n in itertools.count())
_writers: dict[str, threading.Lock] = {}
_writers_guard = threading.Lock()
_turn_files: dict[str, int] = {}  # database path → the open `-lock` file of this process


def _file_of(db: sqlite_utils.Database) -> str:
    """The path of the file `db` is open on; empty for an in-memory database."""
    return db.execute("PRAGMA database_list").fetchone()[2]


def _writer_lock(db: sqlite_utils.Database) -> threading.Lock:
    """The lock the writers of this process take for the database file `db` is open on."""
    lock = getattr(db, "_animaltrack_writer", None)
    if lock is None:
        path = _file_of(db) or f"memory:{id(db)}"
        with _writers_guard:
            lock = _writers.setdefault(path, threading.Lock())
        db._animaltrack_writer = lock
    return lock


def take_turns_across_processes(db: sqlite_utils.Database) -> None:
    """Make the writers on `db` also take turns with those of the other processes that called
    this for the same file (the server's workers), on an exclusive `flock` of `<file>-lock`."""
    path = _file_of(db)
    if not path:  # an in-memory database: no other process can write to it
        return
    with _writers_guard:
        fd = _turn_files.get(path)
        if fd is None:
            fd = _turn_files[path] = os.open(f"{path}-lock", os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    db._animaltrack_turn_file = fd


def _take_turn(fd: int, deadline: float) -> bool:
    """Hold the other processes' writers off `fd`'s database until `_end_turn`; False if one
    held it past `deadline`. It polls, from 0.1 ms apart up to 1 ms: a blocking `flock`
    cannot give up, and a stopped holder would stall the waiting thread for good."""
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.001)


def _end_turn(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)


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
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    writer = _writer_lock(db)
    if not writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked")
    turn = getattr(db, "_animaltrack_turn_file", None)
    if turn is not None and not _take_turn(turn, deadline):
        writer.release()
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
        if turn is not None:
            _end_turn(turn)
        writer.release()
