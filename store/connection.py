"""Open a database with the pragmas every AnimalTrack connection needs (SPEC §15)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from store.files import make_sqlite_side_files_private, private_file

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 64 * 1024


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (or create) the database at `path`.

    The connection runs in SQLite's autocommit mode (`isolation_level=None`): Python never opens
    a transaction behind our back, so the only transactions are the ones `store.transaction`
    starts with `BEGIN IMMEDIATE` (and sqlite-utils' own `atomic()` for its write helpers).
    WAL with `synchronous=FULL` means a committed command survives a power cut.

    A database this call creates is readable by its owner only (SPEC §13), and so are the
    `-wal` and `-shm` SQLite makes beside it: the file is created 0600 before SQLite opens it.
    """
    in_memory = str(path) in (":memory:", "")
    created = not in_memory and private_file(path)
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    db = sqlite_utils.Database(conn, execute_plugins=False)
    if not in_memory:
        db.execute("PRAGMA journal_mode=WAL")
    if created:
        make_sqlite_side_files_private(path)
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # 64 MiB of page cache (the default is 2 MiB): a command touches index pages all over a
    # large history, and re-reading them from the OS costs more than the memory.
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return db
