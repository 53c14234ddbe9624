"""Real uvicorn servers on 127.0.0.1 for the tests that go over HTTP (`tests/http/`, the `http`
transport of `tests/graphql/`, the scenarios per driver in `tests/stats/`).

`serving` runs an app in a background thread (`resolvers.background`) and hands back a
`LiveServer`. `make_db` makes the migrated and seeded database file a server serves;
`LiveServer` creates tokens on a connection of the test's own. `writer_serving` starts a writer
process (`resolvers/writer.py`), as `serve --workers N` does, for an app to hand its mutations
to (`create_app(..., writer=address)`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from animaltrack.seeding import seed
from resolvers import processes
from resolvers.background import serving_in_thread
from resolvers.writer import WriterAddress
from store import connect
from store.migrations import migrate
from store.tokens import create_token, revoke_token


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
    with serving_in_thread(app) as base_url:
        yield LiveServer(base_url, app, db_path)


def make_db(path: Path) -> Path:
    """Make a migrated and seeded database file at `path`; return `path`."""
    db = connect(path)
    try:
        migrate(db)
        seed(db)
    finally:
        db.close()
    return path


@contextlib.contextmanager
def writer_serving(db_path: Path, log_path: Path) -> Iterator[WriterAddress]:
    """A writer process on `db_path` for the duration of the block, started as `serve` starts
    one; what it prints and logs goes to `log_path`."""
    address = WriterAddress.new()
    spawn = multiprocessing.get_context("spawn")
    ready, told = spawn.Pipe(duplex=False)
    process = spawn.Process(target=_writer_printing_to, args=(str(log_path), told, address))
    before = os.environ.get("ANIMALTRACK_DB")
    os.environ["ANIMALTRACK_DB"] = str(db_path)  # the writer reads its settings there
    try:
        process.start()
    finally:
        if before is None:
            del os.environ["ANIMALTRACK_DB"]
        else:
            os.environ["ANIMALTRACK_DB"] = before
    told.close()
    try:
        if not ready.poll(60):
            raise RuntimeError(f"the writer process did not start: {log_path.read_text()[-2000:]}")
        yield address
    finally:
        ready.close()
        process.kill()
        process.join()


def _writer_printing_to(log_path: str, ready, address: WriterAddress) -> None:
    file = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(file, 1)
    os.dup2(file, 2)
    processes._writer(ready, address)
