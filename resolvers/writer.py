"""One process writes: with `serve --workers N`, every mutation runs in a writer process.

SQLite takes one writer at a time, and a writer holding its turn needs its process's GIL back
after every SQLite call. In a worker process the reads and the event loop want that GIL too:
under the load's mix the same `giveFeed` held the write turn 1.5 times as long as alone, the
mutations queued behind it, and so did the reads sharing their threads. Here the workers
(`resolvers/processes.py`) parse, authenticate, serve the reads and subscriptions, and hand each
mutation to the writer process, which runs them one after another with nothing else in its
interpreter. At fixed rates of the load's mix, mutations' median latency halved and `animals`
ran four to fifteen times faster; the write path takes 40–60 % more (BENCHMARKS.md, "One writer
process").

The workers reach the writer on an abstract Unix socket (Linux; nothing on disk to clean up),
authenticated by a key only `serve` and its children know. Messages are JSON, never pickles:
a request carries the operation, the user and the request id; the answer, the result's data
and its errors as GraphQL formats them, each marked if it was a busy database so the worker
answers 503 as it would for its own. A writer that dies is replaced by the supervisor; a
mutation it had not answered gets 503 (its nonce makes the retry safe), and the next one waits
for the new writer to listen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from multiprocessing import AuthenticationError, Pipe
from multiprocessing.connection import Client, Connection, Listener, wait
from typing import Any

from graphql import GraphQLError
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.auth import User
from resolvers.context import Context, build_context
from resolvers.execution import GRACE_S, Deadline
from resolvers.failures import internal_message
from resolvers.http_errors import is_busy
from store import connect
from store.settings import Settings
from store.transactions import take_turns_across_processes

log = logging.getLogger("animaltrack.serve")

MUTATIONS_ONLY = frozenset({OperationType.MUTATION})
# How long a worker waits for a writer that is starting, or being replaced after it died (the
# supervisor notices within half a second; a new one serves a second or two later).
CONNECT_WAIT_S = 5.0
CONNECT_PAUSE_S = 0.05


@dataclass(frozen=True)
class WriterAddress:
    """Where the writer listens and the key a worker proves itself with."""

    address: str
    authkey: bytes

    @classmethod
    def new(cls) -> WriterAddress:
        """A fresh address in Linux's abstract socket namespace (the leading NUL)."""
        return cls(f"\0animaltrack-writer-{secrets.token_hex(8)}", secrets.token_bytes(32))


class WriterUnavailable(sqlite3.OperationalError):
    """The writer process did not answer (it died, or is being replaced): answered like a busy
    database, 503 with Retry-After, because trying again shortly will work."""

    def __init__(self, why: str) -> None:
        super().__init__(f"database is locked: the writer process {why}")


# -- in the writer process ------------------------------------------------------------------


class MutationWriter:
    """Runs the mutations the workers send, one at a time, on its one connection."""

    def __init__(self, settings: Settings, schema: BaseSchema, timeout_s: float) -> None:
        self.settings = settings
        self.schema = schema
        self.db = connect(settings.db_path)
        take_turns_across_processes(self.db)  # with anything else the server's processes write
        self.deadline = Deadline(self.db, timeout_s)

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to one request (see the module doc for both shapes)."""
        user = User(*request["user"]) if request.get("user") else None
        context = build_context(None, db=self.db, user=user, settings=self.settings)
        context.request_id = request["requestId"]
        with self.deadline:
            result = self.schema.execute_sync(
                request["query"],
                variable_values=request.get("variables"),
                context_value=context,
                operation_name=request.get("operationName"),
                allowed_operation_types=MUTATIONS_ONLY,
                operation_extensions=request.get("extensions"),
            )
        errors = [
            {
                "formatted": e.formatted,
                "busy": e.original_error is not None and is_busy(e.original_error),
            }
            for e in result.errors or ()
        ]
        return {"data": result.data, "errors": errors}

    def serve(self, address: WriterAddress, ready: Connection) -> None:
        """Answer the workers until the process is stopped."""
        listener = Listener(address.address, family="AF_UNIX", authkey=address.authkey)
        workers: list[Connection] = []
        woken, wake = Pipe(duplex=False)  # a new worker's first request need not wait
        accepting = threading.Thread(
            target=self._accept, args=(listener, workers, wake), daemon=True
        )
        accepting.start()
        with contextlib.suppress(OSError):  # a replacement's supervisor does not wait
            ready.send(True)
        ready.close()
        while True:
            for connection in wait([woken, *workers]):
                if connection is woken:
                    woken.recv_bytes()
                elif not self._answer_one(connection):
                    workers.remove(connection)
                    connection.close()

    def _answer_one(self, connection: Connection) -> bool:
        """Read one request from a worker and answer it; False once the worker is gone."""
        try:
            request = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return False
        try:
            answer = self.answer(request)
        except Exception:  # a request the workers never send; the writer serves on
            request_id = request.get("requestId", "?") if isinstance(request, dict) else "?"
            log.exception("writer process could not run request %s", request_id)
            internal = {"message": internal_message(request_id), "extensions": {"code": "INTERNAL"}}
            answer = {"data": None, "errors": [{"formatted": internal, "busy": False}]}
        try:
            connection.send_bytes(json.dumps(answer).encode())
        except OSError:  # it went away while its mutation ran: the nonce covers a retry
            return False
        return True

    @staticmethod
    def _accept(listener: Listener, workers: list[Connection], wake: Connection) -> None:
        while True:
            try:
                workers.append(listener.accept())
            except (AuthenticationError, OSError, EOFError) as error:  # a wrong key, or none
                log.warning("writer process refused a connection: %s", error)
                continue
            wake.send_bytes(b"")


# -- in a worker process --------------------------------------------------------------------


def _busy() -> sqlite3.OperationalError:
    """What a busy database in the writer is here: the same error, so the same 503."""
    return sqlite3.OperationalError("database is locked")


class ForwardedError(GraphQLError):
    """An error of the writer's result, formatted there; `formatted` is what GraphQL sends."""

    def __init__(self, formatted: dict[str, Any], original_error: Exception | None = None):
        super().__init__(formatted.get("message", ""), original_error=original_error)
        self._formatted = formatted

    @property
    def formatted(self) -> dict[str, Any]:  # type: ignore[override]
        return self._formatted


class WriterClient:
    """A worker's line to the writer, used from one thread at a time (`Workers.forward`)."""

    def __init__(self, address: WriterAddress, timeout_s: float) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._connection: Connection | None = None

    def execute(
        self,
        context: Context,
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        user = context.user
        request = {
            "query": query,
            "variables": variables,
            "operationName": operation_name,
            "extensions": extensions,
            "user": [user.username, user.role] if user is not None else None,
            "requestId": context.request_id,
        }
        try:
            answer = self._exchange(json.dumps(request).encode())
        except WriterUnavailable as error:
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(error), original_error=error)]
            )
        errors = [
            ForwardedError(e["formatted"], _busy() if e["busy"] else None) for e in answer["errors"]
        ]
        return ExecutionResult(data=answer["data"], errors=errors or None)

    def _exchange(self, request: bytes) -> dict[str, Any]:
        """Send one request and read its answer; on any failure the connection is dropped, so
        a late answer can never be read as the next request's."""
        try:
            connection = self._connect()
            connection.send_bytes(request)
            if not connection.poll(self.timeout_s + GRACE_S):
                raise WriterUnavailable("did not answer in time")
            return json.loads(connection.recv_bytes())
        except (EOFError, OSError) as error:
            self.close()
            raise WriterUnavailable("is not reachable") from error
        except WriterUnavailable:
            self.close()
            raise

    def _connect(self) -> Connection:
        """The open line, or a new one; a writer still starting (or being replaced) is waited
        for, up to `CONNECT_WAIT_S`."""
        end = time.monotonic() + CONNECT_WAIT_S
        while self._connection is None:
            try:
                self._connection = Client(
                    self.address.address, family="AF_UNIX", authkey=self.address.authkey
                )
            except ConnectionRefusedError:  # nobody listens there (yet)
                if time.monotonic() > end:
                    raise
                time.sleep(CONNECT_PAUSE_S)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
