"""Fixtures of the statistics tests: a `ServiceDriver` on a fresh seeded database."""

from __future__ import annotations

import pytest
from stats_driver import ServiceDriver


@pytest.fixture
def driver(seeded_db) -> ServiceDriver:
    return ServiceDriver(seeded_db)
