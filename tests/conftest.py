"""Shared fixtures: a real SQLite file per test, migrated and seeded."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from animaltrack.seeding import seed
from store import connect
from store.migrations import migrate

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
