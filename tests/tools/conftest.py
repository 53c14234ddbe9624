"""Histories for the operator tools' tests, built once per session: a generated one of 20 000
events, and a small simulated farm (`animaltrack simulate`)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from animaltrack.simulation import generate_history
from store import connect
from store.migrations import migrate
from tests.tools.helpers import EVENTS, run

# A small farm: quick to simulate, yet holding every event type.
FARM_DAYS, FARM_FLOCK = 90, 30


def simulate_args(out: Path, *, seed: int = 1, start: date | None = None) -> list[str]:
    start = start or date.today() - timedelta(days=FARM_DAYS + 10)
    return [
        "simulate",
        "--days",
        str(FARM_DAYS),
        "--flock",
        str(FARM_FLOCK),
        "--seed",
        str(seed),
        "--start",
        start.isoformat(),
        "--out",
        str(out),
    ]


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


@pytest.fixture(scope="session")
def farm(tmp_path_factory) -> Path:
    """A simulated farm of 90 days and about 30 animals, built once per session."""
    path = tmp_path_factory.mktemp("simulated") / "farm.db"
    result = run(*simulate_args(path))
    assert result.exit_code == 0, result.output
    return path
