"""Run GraphQL operations off the event loop, each on a worker's own connection, within a deadline.

Resolvers are synchronous (SQLite is), so an operation run on the event-loop thread would stall
every other request for as long as it runs (SPEC §13: "one slow request never stalls the
others"). `Workers` runs each operation on one of a few threads instead; each thread keeps its
own `sqlite_utils.Database` (WAL lets readers run beside the one writer, and `BEGIN IMMEDIATE`
with the busy timeout orders writers), so no connection is shared between threads.

The deadline (10 s) is enforced by SQLite's progress handler on that connection: once it has
passed, the statement running stops with "interrupted" (a write transaction rolls back), which
`resolvers/failures.py` answers as `TIMEOUT`. The event loop does not wait longer than the deadline
plus a grace either, so a client always gets its answer.

Under `serve --workers N`, mutations do not run here: one thread per process forwards them to
the writer process (`resolvers/writer.py`), which keeps the same deadline on its connection.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from resolvers.failures import OPERATION_TIMEOUT_S
from store import connect

T = TypeVar("T")

# Two, not more: every SQLite call releases the GIL and must win it back, so each extra thread
# adds hand-offs, not CPU. Under `python -m bench.load`'s mix at 0.36 × the floor, 4 workers
# answered 62.9 mutations/s of 74 offered (median 105 ms), 2 workers 72.9 of 78 (31 ms), and 1
# worker 77.0 of 83 (49 ms) but lets one slow operation stall every other.
WORKERS = 2
# SQLite calls the handler every this many virtual-machine steps: cheap, and well under 1 ms apart.
PROGRESS_STEPS = 10_000
# How long the loop waits past the deadline for a worker whose statement has not yet stopped.
GRACE_S = 1.0


class OperationTimedOut(Exception):
    """The operation ran past its deadline and was stopped."""


class Deadline:
    """Stops what runs on `db` once `timeout_s` have passed since the block began: SQLite's
    progress handler makes the statement running end with "interrupted" (a write transaction
    rolls back), which `resolvers/failures.py` answers as `TIMEOUT`."""

    def __init__(self, db: sqlite_utils.Database, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._ends = float("inf")
        db.conn.set_progress_handler(self._past, PROGRESS_STEPS)

    def _past(self) -> int:
        return 1 if time.monotonic() > self._ends else 0

    def __enter__(self) -> None:
        self._ends = time.monotonic() + self.timeout_s

    def __exit__(self, *exc_info: object) -> None:
        self._ends = float("inf")


class Workers:
    """A few threads, each with its own connection to `db_path` and a deadline per operation,
    and one thread that forwards the mutations to a writer process (`resolvers/writer.py`)."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        workers: int = WORKERS,
        timeout_s: float = OPERATION_TIMEOUT_S,
        prepare: Callable[[sqlite_utils.Database], None] | None = None,
    ) -> None:
        self.db_path = db_path
        self.timeout_s = timeout_s
        self._prepare = prepare
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="graphql")
        # One: a worker process's mutations go to the writer one after another anyway.
        self._forwarder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-forward")
        self._local = threading.local()
        self._connections: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()

    def connection(self) -> sqlite_utils.Database:
        """This worker thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.db_path)
            self._local.deadline = Deadline(db, self.timeout_s)
            if self._prepare is not None:
                self._prepare(db)
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    async def run(self, operation: Callable[[sqlite_utils.Database], T]) -> T:
        """`operation(db)` on a worker, on its connection; `OperationTimedOut` past the deadline."""

        def work() -> T:
            db = self.connection()
            with self._local.deadline:
                return operation(db)

        return await self._answer(self._executor, work)

    async def forward(self, call: Callable[[], T]) -> T:
        """`call()` (a request to the writer process, which keeps the deadline itself) on the
        forwarding thread; `OperationTimedOut` if it has not returned by the deadline."""
        return await self._answer(self._forwarder, call)

    async def _answer(self, executor: ThreadPoolExecutor, work: Callable[[], T]) -> T:
        future = asyncio.get_running_loop().run_in_executor(executor, work)
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.timeout_s + GRACE_S)
        except TimeoutError:
            raise OperationTimedOut from None

    def close(self) -> None:
        """Stop the threads (after the operations running finish) and close the connections."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._forwarder.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
