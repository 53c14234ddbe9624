"""SPEC §6.3 both ways, the confirm check inside the write transaction, and nothing-changed
guarantees for refusals."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from animaltrack.errors import HistoryConflict, SelectionMismatchError
from animaltrack.events.payloads import (
    AnimalCohortCreatedPayload,
    AnimalMovedPayload,
    AnimalOutcomePayload,
)
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.selection import compute_roster_hash, parse_filter, resolve_filter
from animaltrack.selection.validation import SelectionContext
from animaltrack.services.animal import AnimalService
from store import connect, transaction
from tests.farm import HOUR, T0, Farm, assert_live_equals_replay


@pytest.fixture
def farm(db_path):
    farm = Farm(db_path)
    yield farm
    farm.close()


def _duck(farm: Farm, at: int, location: str = "Strip 1") -> str:
    event = farm.animals.create_cohort(
        AnimalCohortCreatedPayload(
            species="duck", count=1, life_stage="adult", location_id=farm.location_id(location)
        ),
        at,
        "ines",
    )
    return event.entity_refs["animal_ids"][0]


def _history(farm: Farm, duck: str) -> list[tuple[str, int, int | None]]:
    names = {r[0]: r[1] for r in farm.db.execute("SELECT id, name FROM locations")}
    rows = farm.db.execute(
        "SELECT location_id, start_utc, end_utc FROM animal_location_intervals"
        " WHERE animal_id = ? ORDER BY start_utc",
        (duck,),
    ).fetchall()
    return [(names[loc], start, end) for loc, start, end in rows]


def test_a_backdated_move_lands_in_its_place(farm):
    t0, t1, t2 = T0, T0 + HOUR, T0 + 2 * HOUR
    duck = _duck(farm, t0)
    farm.animals.move_animals(
        AnimalMovedPayload(resolved_ids=[duck], to_location_id=farm.location_id("Nursery 1")),
        t2,
        "ines",
    )
    # Recorded later, happened earlier: S1 → S2 at t1, before the S1 → N1 move at t2.
    farm.animals.move_animals(
        AnimalMovedPayload(resolved_ids=[duck], to_location_id=farm.location_id("Strip 2")),
        t1,
        "ines",
    )
    assert _history(farm, duck) == [
        ("Strip 1", t0, t1),
        ("Strip 2", t1, t2),
        ("Nursery 1", t2, None),
    ]
    assert_live_equals_replay(farm)


def test_a_backdated_death_before_a_recorded_move_is_refused(farm):
    t0, t1, t2 = T0, T0 + HOUR, T0 + 2 * HOUR
    duck = _duck(farm, t0)
    move = farm.animals.move_animals(
        AnimalMovedPayload(resolved_ids=[duck], to_location_id=farm.location_id("Nursery 1")),
        t2,
        "ines",
    )
    before = farm.committed_state()
    with pytest.raises(HistoryConflict) as refused:
        farm.animals.record_outcome(
            AnimalOutcomePayload(resolved_ids=[duck], outcome="death"), t1, "ines"
        )
    assert refused.value.conflicting_event_ids == [move.id]
    assert "died" in refused.value.message
    assert farm.committed_state() == before


def test_a_stale_selection_is_refused_inside_the_write_transaction(farm, db_path):
    """Client A checked its selection; between its check and its write client B moves two of the
    animals from a second connection. Because the service re-checks inside BEGIN IMMEDIATE,
    A's move is refused with SelectionMismatch and writes nothing."""
    ducks = sorted(_duck(farm, T0) for _ in range(5))
    strip1, strip2 = farm.location_id("Strip 1"), farm.location_id("Strip 2")
    at = T0 + HOUR
    seen = resolve_filter(farm.db, parse_filter('location:"Strip 1"'), at).animal_ids
    stale = SelectionContext(
        filter='location:"Strip 1"',
        resolved_ids=seen,
        roster_hash=compute_roster_hash(seen, strip1),
        ts_utc=at,
        from_location_id=strip1,
    )

    def client_b() -> None:
        other_db = connect(db_path)  # a second connection to the same file
        try:
            service = AnimalService(
                other_db, EventStore(other_db, clock=lambda: farm.now), default_registry(other_db)
            )
            service.move_animals(
                AnimalMovedPayload(resolved_ids=ducks[:2], to_location_id=strip2), at, "b"
            )
        finally:
            other_db.close()

    worker = threading.Thread(target=client_b)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()

    events_before = farm.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    with pytest.raises(SelectionMismatchError) as refused:
        farm.animals.move_animals(
            AnimalMovedPayload(resolved_ids=seen, to_location_id=farm.location_id("Nursery 1")),
            at,
            "a",
            selection=stale,
        )
    diff = refused.value.result.diff
    assert diff.removed == ducks[:2] and diff.added == []
    assert refused.value.result.resolved_ids == ducks[2:]
    assert farm.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events_before


def test_the_write_lock_is_taken_before_the_selection_check(farm, db_path):
    """While a command holds BEGIN IMMEDIATE, a second writer cannot slip in between its check
    and its append: the second connection's write waits (here: times out)."""
    blocker = sqlite3.connect(db_path, timeout=0.05, isolation_level=None)
    with transaction(farm.db):
        with pytest.raises(sqlite3.OperationalError):
            blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("BEGIN IMMEDIATE")  # free again after the commit
    blocker.execute("ROLLBACK")
    blocker.close()
