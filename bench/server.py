"""A real uvicorn server on 127.0.0.1 in a thread, as `tests/http/conftest.py` starts one.

The socket is bound to a free port before the thread starts, and startup is awaited on an event
(at most 10 s). The app is the production one (`resolvers.app.create_app`, tokens only, not dev),
with uvicorn's options from `resolvers.app.uvicorn_config`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from resolvers.app import create_app, uvicorn_config
from store import connect
from store.tokens import create_token
from tools.settings import Settings

STARTUP_TIMEOUT_S = 10


class _ThreadedServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


def admin_token(db_path: Path, username: str = "ppetru") -> str:
    """A new API token for an admin user of the database (created through `store.tokens`)."""
    db = connect(db_path)
    try:
        return create_token(db, username, "benchmark").token
    finally:
        db.close()


@contextlib.contextmanager
def serving(db_path: Path) -> Iterator[str]:
    """Serve the database at `db_path`; yield the `/graphql` URL."""
    app = create_app(Settings(db_path=str(db_path)))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _ThreadedServer(uvicorn_config(app, "127.0.0.1", port, log_config=None))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"bench-uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        if not server.ready.wait(STARTUP_TIMEOUT_S) or not server.started:
            raise RuntimeError(f"uvicorn did not start on port {port} within {STARTUP_TIMEOUT_S}s")
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        sock.close()
