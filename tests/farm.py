"""A test farm: a real database file with every service, a fixed clock, and helpers.

Shared by the property tests and the example tests, so that each reads as the farm story it
tells rather than as set-up.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from animaltrack.events.payloads import AnimalCohortCreatedPayload, build_payload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.replay import copy_log, projection_rows, replay
from animaltrack.seeding import seed
from animaltrack.services.animal import AnimalService
from animaltrack.services.feed import FeedService
from animaltrack.services.locations import LocationService
from animaltrack.services.products import ProductService
from store import connect
from store.migrations import migrate

HOUR = 3_600_000
DAY = 24 * HOUR
# 2026-01-01T00:00:00Z: histories start here; the clock stands well after, so nothing is future.
T0 = 1_767_225_600_000


class Farm:
    def __init__(self, path: Path, now: int = T0 + 400 * DAY):
        self.path = Path(path)
        self.now = now
        self.db = connect(self.path)
        migrate(self.db)
        seed(self.db)
        self.store = EventStore(self.db, clock=lambda: self.now)  # ids follow the clock
        self.registry = default_registry(self.db)
        args = (self.db, self.store, self.registry)
        self.animals = AnimalService(*args)
        self.locations = LocationService(*args)
        self.products = ProductService(*args)
        self.feed = FeedService(*args)

    def location_id(self, name: str) -> str:
        return self.db.execute(
            "SELECT id FROM locations WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()[0]

    def cohort(
        self, where: str = "Strip 1", n: int = 2, at: int = T0, *, species="duck", sex="female"
    ) -> list[str]:
        """Create `n` adult animals at the location named `where`; their ids."""
        payload = build_payload(
            AnimalCohortCreatedPayload,
            species=species,
            count=n,
            life_stage="adult",
            sex=sex,
            location_id=self.location_id(where),
        )
        return self.animals.create_cohort(payload, at, "ppetru").entity_refs["animal_ids"]

    def committed_state(self) -> dict[str, list[tuple]]:
        """Every table as another connection sees it on disk (only what was committed)."""
        other = connect(self.path)
        try:
            tables = [
                r[0]
                for r in other.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            rows = {t: other.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
            return {t: sorted(found, key=repr) for t, found in rows.items()}
        finally:
            other.close()

    @contextlib.contextmanager
    def replayed(self) -> Iterator:
        """A fresh database folded from a copy of this farm's log (removed afterwards)."""
        with tempfile.TemporaryDirectory() as tmp:
            target = connect(Path(tmp) / "replay.db")
            try:
                migrate(target)
                copy_log(self.path, target)
                replay(target)
                yield target
            finally:
                target.close()

    def replayed_rows(self) -> dict[str, list[tuple]]:
        """Projection rows of a fresh database folded from a copy of this farm's log."""
        with self.replayed() as target:
            return projection_rows(target)

    def live_rows(self) -> dict[str, list[tuple]]:
        return projection_rows(self.db)

    def close(self) -> None:
        self.db.close()


def assert_live_equals_replay(farm: Farm) -> None:
    live, replayed = farm.live_rows(), farm.replayed_rows()
    for table in live:
        assert live[table] == replayed[table], f"{table} differs from a replay of the log"


def refused(farm: Farm, error: type, command, *, contains: str = "") -> None:
    """Run a command that must be refused with `error`; nothing on disk may change."""
    before = farm.committed_state()
    with pytest.raises(error) as caught:
        command()
    assert contains.lower() in caught.value.message.lower()
    assert farm.committed_state() == before
