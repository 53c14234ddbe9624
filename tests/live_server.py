"""Real uvicorn servers on 127.0.0.1 for the tests that go over HTTP (`tests/http/`, the `http`
transport of `tests/graphql/`, the scenarios per driver in `tests/stats/`).

`serving` runs an app in a background thread (`resolvers.background`) and hands back a
`LiveServer`. `make_db` makes the migrated and seeded database file a server serves;
`LiveServer` creates tokens on a connection of the test's own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from animaltrack.seeding import seed
from resolvers.background import serving_in_thread
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
