"""Run an app under uvicorn in a background thread on a free loopback port.

For the HTTP tests and the benchmarks, which need a real server in the same process. The socket
is bound before the thread starts (no port race) and startup is awaited on an event, up to 10 s
(never a fixed sleep, SPEC §17). Options come from `uvicorn_config`, as in `serve`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from resolvers.app import uvicorn_config

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


@contextlib.contextmanager
def serving_in_thread(app: Starlette) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 for the duration of the block; yield its base URL."""
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
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        sock.close()
