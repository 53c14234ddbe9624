"""Shared fixtures: a real SQLite file per test, migrated and seeded; the app served on it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from animaltrack.seeding import seed
from resolvers.app import create_app, default_schema
from store import connect
from store.migrations import migrate
from store.settings import Settings
from tests.live_server import LiveServer, make_db, serving

# "ci": repeatable and bounded for `make test`; "stress": many fresh random cases for `make load`.
settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60, print_blob=True)
settings.register_profile("stress", deadline=None, max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "animaltrack.db"


@pytest.fixture
def seeded_db(db_path):
    """A fresh database file, migrated and seeded, as a `sqlite_utils.Database`."""
    db = connect(db_path)
    migrate(db)
    seed(db)
    yield db
    db.close()


@pytest.fixture(scope="session")
def served_schema():
    """The production schema (with its limits), built once for the per-test servers."""
    return default_schema()


@pytest.fixture
def fresh_server(tmp_path, served_schema) -> Iterator[LiveServer]:
    """The app under uvicorn on 127.0.0.1 (a free port), serving a fresh migrated and seeded
    database file of this test's own, with the production settings (tokens only)."""
    db_path = make_db(tmp_path / "served.db")
    with serving(
        create_app(Settings(db_path=str(db_path)), schema=served_schema), db_path
    ) as server:
        yield server
