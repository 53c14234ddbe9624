"""Real uvicorn servers on 127.0.0.1 for the tests that go over HTTP (`tests/http/`, the `http`
transport of `tests/graphql/`, the scenarios per driver in `tests/stats/`).

`serving` runs an app in a background thread on a socket bound to a free port before the thread
starts (no port race), and waits for uvicorn's startup to finish on an event — up to 10 s, never
a fixed sleep (SPEC §17). `make_db` makes the migrated and seeded database file a server serves;
`LiveServer` creates tokens on a connection of the test's own.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from animaltrack.seeding import seed
from resolvers.app import uvicorn_config
from store import connect
from store.migrations import migrate
from store.tokens import create_token, revoke_token

STARTUP_TIMEOUT_S = 10


class _ThreadedServer(uvicorn.Server):
    """uvicorn.Server that reports the end of its startup on a `threading.Event`."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


@dataclass
class LiveServer:
    """A running server: its base URL, its app (for `app.state.db`) and token helpers."""

    base_url: str
    app: Starlette
    db_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://", 1)

    def token(self, username: str, name: str = "") -> str:
        db = connect(self.db_path)
        try:
            return create_token(db, username, name or f"test {username}").token
        finally:
            db.close()

    def revoked_token(self, username: str) -> str:
        db = connect(self.db_path)
        try:
            created = create_token(db, username, "revoked in a test")
            revoke_token(db, created.info.id)
            return created.token
        finally:
            db.close()

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@contextlib.contextmanager
def serving(app: Starlette, db_path: Path) -> Iterator[LiveServer]:
    """Run `app` under uvicorn in a thread for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _ThreadedServer(uvicorn_config(app, "127.0.0.1", port, log_config=None))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            raise RuntimeError(f"uvicorn did not start on port {port} within {STARTUP_TIMEOUT_S}s")
        yield LiveServer(f"http://127.0.0.1:{port}", app, db_path)
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        sock.close()


def make_db(path: Path) -> Path:
    """Make a migrated and seeded database file at `path`; return `path`."""
    db = connect(path)
    try:
        migrate(db)
        seed(db)
    finally:
        db.close()
    return path
