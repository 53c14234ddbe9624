"""SQLite still busy after its timeout answers HTTP 503 with Retry-After (SPEC §13).

A throwaway schema whose mutation opens the one write transaction stands in for a real
command; a second connection holds `BEGIN IMMEDIATE` on the same file, and the app's
connection gets a short busy timeout so the test does not wait the production 5 s.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest
import strawberry

from resolvers.app import create_app
from store import transaction
from store.settings import Settings


def _write_schema(holder: dict) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def ping(self) -> str:
            return "pong"

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def touch(self) -> bool:
            with transaction(holder["db"]):
                holder["db"].execute("UPDATE users SET updated_at_utc = updated_at_utc")
            return True

    return strawberry.Schema(query=Query, mutation=Mutation)


@pytest.fixture(scope="module")
def busy_server(fresh_db, start_server):
    db_path = fresh_db("busy")
    holder: dict = {}
    app = create_app(Settings(db_path=str(db_path)), dev=True, schema=_write_schema(holder))
    holder["db"] = app.state.db
    app.state.db.execute("PRAGMA busy_timeout = 50")
    return start_server(app, db_path)


def test_a_write_while_another_connection_holds_the_lock_is_503_with_retry_after(busy_server):
    blocker = sqlite3.connect(busy_server.db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        response = httpx.post(busy_server.graphql_url, json={"query": "mutation { touch }"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["errors"][0]["extensions"] == {"code": "UNAVAILABLE"}
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_the_same_write_succeeds_once_the_lock_is_released(busy_server):
    response = httpx.post(busy_server.graphql_url, json={"query": "mutation { touch }"})
    assert response.json() == {"data": {"touch": True}}
