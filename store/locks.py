"""Locks for operator tools that must not run twice at once (SPEC §14: a second `rebuild` is
refused), kept as rows of `tool_locks` so every process sees them.

A lock names the process holding it (pid and host). A lock whose process is gone — killed with
kill -9, the machine restarted — is taken over by the next run instead of blocking it forever.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator

import sqlite_utils

from store.transactions import transaction


class LockHeld(Exception):
    """The lock is held by a live process: `pid` on `host`, since `started_at_utc`."""

    def __init__(self, name: str, pid: int, host: str, started_at_utc: int):
        super().__init__(
            f"A {name} is already running (process {pid} on {host}); wait for it to finish."
        )
        self.pid, self.host, self.started_at_utc = pid, host, started_at_utc


def _alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return True  # another machine's process: we cannot tell, so we assume it runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def tool_lock(db: sqlite_utils.Database, name: str) -> Iterator[None]:
    """Hold the lock `name` for the block; raise `LockHeld` when a live process holds it."""
    me, host = os.getpid(), socket.gethostname()
    with transaction(db):
        row = db.execute(
            "SELECT pid, host, started_at_utc FROM tool_locks WHERE name = ?", (name,)
        ).fetchone()
        if row is not None and row[:2] != (me, host) and _alive(row[0], row[1]):
            raise LockHeld(name, *row)
        db.execute(
            "INSERT OR REPLACE INTO tool_locks (name, pid, host, started_at_utc)"
            " VALUES (?, ?, ?, ?)",
            (name, me, host, int(time.time() * 1000)),
        )
    try:
        yield
    finally:
        with transaction(db):
            db.execute("DELETE FROM tool_locks WHERE name = ? AND pid = ?", (name, me))
