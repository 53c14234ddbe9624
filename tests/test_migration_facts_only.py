"""The data migration to a facts-only log (SPEC §1 principles 1 and 9, §14), on a farm recorded
by the version before it (`tests/fixtures/farm_before_facts_only.sql`, made by the script
beside it at eee486a): `serve` refuses to start and names the command; `animaltrack migrate`
keeps every fact the clients gave, takes the derived references out of the events and their
revisions, drops each move's `from_location_id`, rebuilds the projections (equal to a replay)
and vacuums the file; the API then answers what history says, not what was frozen."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.events.store import EventStore
from animaltrack.queries.subjects import subjects_of
from store import connect
from store.migrations import migrations, pending_data_work
from tests.farm import DAY, HOUR, T0, Farm, assert_live_equals_replay
from tools.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "farm_before_facts_only.sql"


@pytest.fixture
def old_farm(tmp_path) -> Path:
    """The old version's file: its schema (the migrations up to m003, never edited since) and
    its rows."""
    path = tmp_path / "farm.db"
    db = connect(path)
    try:
        migrations.apply(db, stop_before="m004_facts_only_log")
        db.execute("PRAGMA foreign_keys = OFF")  # the dump lists tables by name, not by need
        db.conn.executescript(FIXTURE.read_text())
        db.execute("PRAGMA foreign_keys = ON")
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        db.close()
    return path


def _facts(path: Path) -> dict[str, list]:
    """What the clients gave: every event and revision without its refs (and without the
    `from_location_id` a move's payload may hold), and the tombstones."""
    conn = sqlite3.connect(path)
    try:
        events = conn.execute(
            "SELECT id, type, ts_utc, actor, payload, version, recorded_at_utc FROM events"
            " ORDER BY id"
        ).fetchall()
        revisions = conn.execute(
            "SELECT event_id, version, ts_utc, actor, payload, edited_at_utc, edited_by"
            " FROM event_revisions ORDER BY event_id, version"
        ).fetchall()
        tombstones = conn.execute("SELECT * FROM event_tombstones ORDER BY id").fetchall()
    finally:
        conn.close()

    def without_source(row, at):
        payload = json.loads(row[at])
        payload.pop("from_location_id", None)
        return (*row[:at], payload, *row[at + 1 :])

    return {
        "events": [without_source(r, 4) for r in events],
        "revisions": [without_source(r, 4) for r in revisions],
        "tombstones": tombstones,
    }


def test_serve_refuses_until_migrate_has_run_and_migrate_keeps_every_fact(old_farm):
    before = _facts(old_farm)
    runner = CliRunner()

    refused = runner.invoke(main, ["--db", str(old_farm), "serve"])
    assert refused.exit_code == 1
    assert "animaltrack migrate" in refused.output
    assert _facts(old_farm) == before  # nothing was rewritten by the refusal

    migrated = runner.invoke(main, ["--db", str(old_farm), "migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "m004_facts_only_log" in migrated.output and "upgrade facts_only_log" in migrated.output
    assert _facts(old_farm) == before

    db = connect(old_farm)
    try:
        assert pending_data_work(db) == []
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"event_refs", "event_log_by_location"}.isdisjoint(tables)
        assert "event_locations" in tables
        for table in ("events", "event_revisions"):
            key = "id" if table == "events" else "event_id"
            rows = db.execute(
                f"SELECT t.entity_refs, t.payload, e.type FROM {table} t"
                f" JOIN events e ON e.id = t.{key}"
            ).fetchall()
            for refs, payload, type_ in rows:
                refs, payload = json.loads(refs), json.loads(payload)
                assert refs == facts_refs(type_, payload, created_animal_ids(type_, refs))
                assert "from_location_id" not in payload
        # The log sequence numbers the old log from what it holds, in the order it was written.
        kinds = db.execute(
            "SELECT kind, COUNT(*) FROM log_changes GROUP BY kind ORDER BY kind"
        ).fetchall()
        sizes = [len(before[k]) for k in ("events", "revisions", "tombstones")]
        assert kinds == [("APPENDED", sizes[0]), ("DELETED", sizes[2]), ("EDITED", sizes[1])]
        times = [r[0] for r in db.execute("SELECT at_utc FROM log_changes ORDER BY seq")]
        assert times == sorted(times)
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)  # vacuumed
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()

    again = runner.invoke(main, ["--db", str(old_farm), "migrate"])
    assert again.exit_code == 0 and "up to date" in again.output


def test_after_the_migration_the_api_follows_history(old_farm):
    assert CliRunner().invoke(main, ["--db", str(old_farm), "migrate"]).exit_code == 0
    farm = Farm(old_farm)
    try:
        assert_live_equals_replay(farm)
        store = EventStore(farm.db)
        events = store.list_events()
        subjects = subjects_of(farm.db, events)
        names = {r[0]: r[1] for r in farm.db.execute("SELECT id, name FROM locations")}
        collections = [e for e in events if e.type == "ProductCollected"]
        cohort, newcomer_cohort = [e for e in events if e.type == "AnimalCohortCreated"]
        ducks, (newcomer,) = (
            cohort.entity_refs["animal_ids"],
            newcomer_cohort.entity_refs["animal_ids"],
        )

        def producers(day: int) -> set[str]:
            (event,) = [e for e in collections if e.ts_utc == T0 + day * DAY + 8 * HOUR]
            return set(subjects[event.id].animal_ids)

        # The duck that died on day 2 laid on days 1–2; the one moved away on day 4 on 1–4;
        # the newcomer moved in on day 3 lays from day 4; by day 8 three are left, with it.
        assert ducks[0] in producers(2) and ducks[0] not in producers(3)
        assert ducks[1] in producers(4) and ducks[1] not in producers(5)
        assert newcomer not in producers(3) and newcomer in producers(4)
        assert producers(8) == {ducks[4], ducks[5], newcomer}

        tags = {e.payload["tag"]: e for e in events if e.type == "AnimalTagged"}
        assert [names[x] for x in subjects[tags["lame"].id].location_ids] == ["Strip 2"]
        assert [names[x] for x in subjects[tags["broody"].id].location_ids] == ["Strip 1"]
        moves = [e for e in events if e.type == "AnimalMoved"]
        assert all(subjects[m.id].from_location_id for m in moves)
    finally:
        farm.close()
