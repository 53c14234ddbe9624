"""Real uvicorn servers on 127.0.0.1 for the HTTP tests, one per configuration, per session.

Each server runs in a background thread on a socket bound to a free port before the thread
starts (no port race), and the fixture waits for uvicorn's startup to finish on an event — up
to 10 s, never a fixed sleep (SPEC §17). All of them serve one migrated and seeded database
file; tokens are created through `store.tokens` on a connection of the test's own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette

from animaltrack.seeding import seed
from resolvers.app import create_app, uvicorn_config
from store import connect
from store.migrations import migrate
from store.tokens import create_token, revoke_token
from tools.settings import Settings

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
    db = connect(path)
    try:
        migrate(db)
        seed(db)
    finally:
        db.close()
    return path


@pytest.fixture(scope="session")
def fresh_db(tmp_path_factory) -> Callable[[str], Path]:
    """Make a new migrated and seeded database file in a temporary folder named `name`."""
    return lambda name: make_db(tmp_path_factory.mktemp(name) / "animaltrack.db")


@pytest.fixture(scope="session")
def start_server() -> Iterator[Callable[[Starlette, Path], LiveServer]]:
    """Start more servers (e.g. with a test schema); all stop at the end of the session."""
    with contextlib.ExitStack() as stack:
        yield lambda app, db_path: stack.enter_context(serving(app, db_path))


@pytest.fixture(scope="session")
def http_db_path(fresh_db) -> Path:
    return fresh_db("http")


@pytest.fixture(scope="session")
def http_settings(http_db_path) -> Settings:
    return Settings(db_path=str(http_db_path))


@pytest.fixture(scope="session")
def live_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """The production configuration: tokens only, no trusted proxies, not dev."""
    with serving(create_app(http_settings), http_db_path) as server:
        yield server


@pytest.fixture(scope="session")
def proxy_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """Behind a reverse proxy on this machine: 127.0.0.1 is trusted to name the user."""
    settings = dataclasses.replace(http_settings, trusted_proxies=("127.0.0.1",))
    with serving(create_app(settings), http_db_path) as server:
        yield server


@pytest.fixture(scope="session")
def dev_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """`animaltrack serve --dev`: local requests act as the admin user `dev`."""
    with serving(create_app(http_settings, dev=True), http_db_path) as server:
        yield server
