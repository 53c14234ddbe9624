"""A generated history of 20 000 events for the operator tools' tests, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.generate import generate_history
from store import connect
from store.migrations import migrate
from tests.tools.helpers import EVENTS


@pytest.fixture(scope="session")
def history(tmp_path_factory) -> Path:
    """A generated farm of 20 000 events (about 70 days), built once per session."""
    path = tmp_path_factory.mktemp("generated") / "history.db"
    db = connect(path)
    try:
        migrate(db)
        generate_history(db, seed=3, events=EVENTS, animals=2_000)
    finally:
        db.close()
    return path


@pytest.fixture
def copy(history, tmp_path) -> Path:
    target = tmp_path / "farm.db"
    shutil.copy(history, target)
    return target
