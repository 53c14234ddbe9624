"""A real uvicorn server on 127.0.0.1 in a thread (`resolvers.background`, as the HTTP tests
use), serving the production app (`resolvers.app.create_app`: tokens only, not dev)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from resolvers.app import create_app
from resolvers.background import serving_in_thread
from store import connect
from store.settings import Settings
from store.tokens import create_token


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
    with serving_in_thread(create_app(Settings(db_path=str(db_path)))) as base_url:
        yield f"{base_url}/graphql"
