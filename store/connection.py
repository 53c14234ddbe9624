"""Open a database with the pragmas every AnimalTrack connection needs (SPEC §15)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 5000


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (or create) the database at `path`.

    The connection runs in SQLite's autocommit mode (`isolation_level=None`): Python never opens
    a transaction behind our back, so the only transactions are the ones `store.transaction`
    starts with `BEGIN IMMEDIATE` (and sqlite-utils' own `atomic()` for its write helpers).
    WAL with `synchronous=FULL` means a committed command survives a power cut.
    """
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    db = sqlite_utils.Database(conn, execute_plugins=False)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return db
