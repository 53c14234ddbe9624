"""Real uvicorn servers on 127.0.0.1 for the HTTP tests, one per configuration, per session.

They run through `tests/live_server.py` (a free port, startup awaited on an event, tokens made on
a connection of the test's own); all of them serve one migrated and seeded database file.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from resolvers.app import create_app
from store.settings import Settings
from tests.live_server import LiveServer, make_db, serving


@pytest.fixture(scope="session")
def fresh_db(tmp_path_factory) -> Callable[[str], Path]:
    """Make a new migrated and seeded database file in a temporary folder named `name`."""
    return lambda name: make_db(tmp_path_factory.mktemp(name) / "animaltrack.db")


@pytest.fixture(scope="session")
def start_server() -> Iterator[Callable[[Starlette, Path], LiveServer]]:
    """Start more servers (e.g. with a test schema); all stop at the end of the session."""
    with contextlib.ExitStack() as stack:
        yield lambda app, db_path: stack.enter_context(serving(app, db_path))


@pytest.fixture(scope="session")
def http_db_path(fresh_db) -> Path:
    return fresh_db("http")


@pytest.fixture(scope="session")
def http_settings(http_db_path) -> Settings:
    return Settings(db_path=str(http_db_path))


@pytest.fixture(scope="session")
def live_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """The production configuration: tokens only, no trusted proxies, not dev."""
    with serving(create_app(http_settings), http_db_path) as server:
        yield server


@pytest.fixture(scope="session")
def proxy_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """Behind a reverse proxy on this machine: 127.0.0.1 is trusted to name the user."""
    settings = dataclasses.replace(http_settings, trusted_proxies=("127.0.0.1",))
    with serving(create_app(settings), http_db_path) as server:
        yield server


@pytest.fixture(scope="session")
def dev_server(http_settings, http_db_path) -> Iterator[LiveServer]:
    """`animaltrack serve --dev`: local requests act as the admin user `dev`."""
    with serving(create_app(http_settings, dev=True), http_db_path) as server:
        yield server


BIG_STRIP = "Strip 1"
BIG_STRIP_ANIMALS = 20_000


@pytest.fixture(scope="session")
def big_farm_path(tmp_path_factory) -> Path:
    """A farm whose Strip 1 holds 20 000 ducks, built through the services (two cohorts of the
    10 000 a cohort may hold), so the protection tests have something heavy to ask for."""
    from animaltrack.events.payloads import AnimalCohortCreatedPayload
    from tests.farm import T0, Farm

    farm = Farm(tmp_path_factory.mktemp("big") / "animaltrack.db")
    try:
        strip = farm.location_id(BIG_STRIP)
        for n in range(BIG_STRIP_ANIMALS // 10_000):
            payload = AnimalCohortCreatedPayload(
                species="duck", count=10_000, life_stage="adult", sex="female", location_id=strip
            )
            farm.animals.create_cohort(payload, T0 + n * 1000, "ppetru")
    finally:
        farm.close()
    return farm.path


@pytest.fixture(scope="session")
def big_server(big_farm_path, start_server) -> LiveServer:
    """The production configuration on the big farm."""
    return start_server(create_app(Settings(db_path=str(big_farm_path))), big_farm_path)


@pytest.fixture(scope="session")
def hurried_server(big_farm_path, start_server) -> LiveServer:
    """The big farm with a 5 ms deadline, so a heavy query stands in for a 10 s one (its SQL
    alone, cache warm or cold, takes longer: the deadline stops statements)."""
    app = create_app(Settings(db_path=str(big_farm_path)), operation_timeout_s=0.005)
    return start_server(app, big_farm_path)
