"""The projection contract (SPEC §6.1), one hypothesis test per projection: on any history —
backdated entries, edits and deletes among them — applying the log one event at a time, refolding
every animal from its events, reverting the latest event then applying it again, and the batch
build all give the same rows. Each projection is registered alone, with only what it reads
(`DEPENDS_ON`), so a projection that reads a table it does not declare fails here."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry, projection_names
from animaltrack.projections.replay import copy_log, replay
from store import connect, transaction
from store.migrations import migrate
from tests.farm import Farm
from tests.test_history_property import run_commands


def _rows(db, tables) -> dict[str, list[tuple]]:
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


@pytest.mark.parametrize("name", projection_names())
@settings(max_examples=20)
@given(data=st.data())
def test_one_at_a_time_equals_refold_equals_revert_and_reapply_equals_batch(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        farm = Farm(Path(tmp) / "farm.db")
        try:
            run_commands(farm, data, most=20)
        finally:
            farm.close()
        db = connect(Path(tmp) / "alone.db")
        try:
            migrate(db)
            copy_log(Path(tmp) / "farm.db", db)
            registry = default_registry(db, [name])
            tables = next(p for p in registry if p.NAME == name).TABLES
            events = EventStore(db).list_events()
            with transaction(db):
                for event in events:  # the live path, in (ts_utc, id) order
                    registry.apply(event)
            one_at_a_time = _rows(db, tables)

            replay(db, registry)
            assert _rows(db, tables) == one_at_a_time, "batch build"

            animals = {a for e in events for a in e.animal_ids()}
            with transaction(db):
                registry.refold(animals, events)
            assert _rows(db, tables) == one_at_a_time, "refold"

            if events:
                latest = events[-1]
                with transaction(db):
                    registry.revert(latest)
                    registry.apply(latest)
                assert _rows(db, tables) == one_at_a_time, "revert + apply"
        finally:
            db.close()
