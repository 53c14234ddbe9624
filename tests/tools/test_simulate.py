"""`animaltrack simulate` (SPEC §14): a realistic farm history in a new database file, that
passes the services' own rules, repeats exactly for the same arguments and ends before today."""

from __future__ import annotations

import re
import stat
from datetime import date, timedelta

from animaltrack.events.types import ALL_EVENT_TYPES
from bench.check import check_history
from store import connect
from tests.tools.conftest import FARM_DAYS, FARM_FLOCK, simulate_args
from tests.tools.helpers import run

DAY_MS = 86_400_000


def _dump(path) -> dict[str, list[tuple]]:
    """Every row of the log tables, by primary key."""
    db = connect(path)
    try:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("events", "event_revisions", "event_tombstones", "log_changes")
        }
    finally:
        db.close()


def test_a_simulated_farm_passes_the_services_rules_and_verifies(farm):
    db = connect(farm)
    try:
        (live,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE id NOT IN"
            " (SELECT target_event_id FROM event_tombstones)"
        ).fetchone()
    finally:
        db.close()

    assert check_history(farm) == live
    result = run("--db", farm, "verify")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(farm.stat().st_mode) == 0o600


def test_the_farm_holds_every_event_type_and_what_a_year_brings(farm):
    db = connect(farm)
    try:
        types = {row[0] for row in db.execute("SELECT DISTINCT type FROM events")}
        outcomes = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT json_extract(payload, '$.outcome') FROM events"
                " WHERE type = 'AnimalOutcome'"
            )
        }
        (harvest_yields,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE type = 'AnimalOutcome'"
            " AND json_array_length(payload, '$.yield_items') > 0"
        ).fetchone()
        (first_ts, last_ts) = db.execute("SELECT MIN(ts_utc), MAX(ts_utc) FROM events").fetchone()
        (alive,) = db.execute(
            "SELECT COUNT(*) FROM animal_registry WHERE status = 'alive'"
        ).fetchone()
        renamed = db.execute("SELECT name FROM locations WHERE name = 'Orchard strip'").fetchall()
        archived = db.execute("SELECT name FROM locations WHERE active = 0").fetchall()
    finally:
        db.close()

    assert types == set(ALL_EVENT_TYPES)
    assert {"harvest", "sold", "death", "predator"} <= outcomes
    assert harvest_yields > 0
    # Locations are created when the history starts, not at 1970.
    assert (
        first_ts > (date.today() - timedelta(days=FARM_DAYS + 11) - date(1970, 1, 1)).days * DAY_MS
    )
    assert last_ts - first_ts < FARM_DAYS * DAY_MS
    assert FARM_FLOCK // 2 <= alive <= 2 * FARM_FLOCK
    assert renamed and archived


def test_eggs_every_day_at_every_laying_strip(farm):
    """A day with laying ducks at a location and no collection there would be a gap."""
    db = connect(farm)
    try:
        days = db.execute(
            "SELECT COUNT(DISTINCT ts_utc / 86400000) FROM events WHERE type = 'ProductCollected'"
        ).fetchone()[0]
    finally:
        db.close()
    assert days >= FARM_DAYS - 1


def test_late_entries_edits_and_deletes_went_through_the_services(farm):
    db = connect(farm)
    try:
        late = db.execute(
            "SELECT e.type, e.recorded_at_utc - e.ts_utc FROM events e"
            " WHERE e.recorded_at_utc - e.ts_utc > 3600000 AND EXISTS (SELECT 1 FROM events o"
            " WHERE o.ts_utc > e.ts_utc AND o.recorded_at_utc < e.recorded_at_utc)"
        ).fetchall()
        revisions = db.execute("SELECT COUNT(*) FROM event_revisions").fetchone()[0]
        tombstones = db.execute("SELECT COUNT(*) FROM event_tombstones").fetchone()[0]
        kinds = dict(db.execute("SELECT kind, COUNT(*) FROM log_changes GROUP BY kind"))
        (events,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
    finally:
        db.close()

    # Recorded after later events of other animals were: a death two days late, eggs one day.
    assert {"AnimalOutcome", "ProductCollected"} <= {kind for kind, _ in late}
    assert max(delay for _, delay in late) >= 2 * DAY_MS
    assert revisions > 0 and tombstones > 0
    assert kinds["EDITED"] == revisions and kinds["DELETED"] == tombstones
    # Few of them: the services' per-event path is the slow one.
    assert len(late) + revisions + tombstones < 0.02 * events


def test_the_same_arguments_give_the_same_log_and_another_seed_another(farm, tmp_path):
    again, other = tmp_path / "again.db", tmp_path / "other.db"
    start = date.today() - timedelta(days=FARM_DAYS + 10)

    assert run(*simulate_args(again, start=start)).exit_code == 0
    assert run(*simulate_args(other, seed=2, start=start)).exit_code == 0

    assert _dump(again) == _dump(farm)
    assert _dump(other)["events"] != _dump(farm)["events"]
    exports = {}
    for name, path in (("farm", farm), ("again", again), ("other", other)):
        out = tmp_path / f"{name}.ndjson"
        assert run("--db", path, "export", "--out", out).exit_code == 0
        exports[name] = out.read_bytes()
    assert exports["again"] == exports["farm"]  # the same export, byte for byte (SPEC §14)
    assert exports["other"] != exports["farm"]


def test_simulate_prints_a_one_line_summary_and_ends_before_today(tmp_path):
    out = tmp_path / "farm.db"
    result = run("simulate", "--days", 30, "--flock", 20, "--out", out)

    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    first = date.today() - timedelta(days=31)
    match = re.fullmatch(
        r"simulate: [\d,]+ events, [\d,]+ animals, 30 days"
        r" \((\S+) to (\S+)\) in (\S+) \([\d.]+ s\)",
        summary,
    )
    assert match, summary
    assert abs(date.fromisoformat(match[1]) - first) <= timedelta(days=1)
    assert date.fromisoformat(match[2]) < date.today()
    assert match[3] == str(out)


def test_simulate_refuses_an_existing_file_and_a_history_reaching_today(tmp_path):
    out = tmp_path / "farm.db"
    out.write_text("mine")

    taken = run("simulate", "--days", 10, "--out", out)
    future = run(
        "simulate", "--days", 10, "--start", date.today().isoformat(), "--out", tmp_path / "x.db"
    )

    assert taken.exit_code == 1 and "already exists" in taken.output
    assert len(taken.output.strip().splitlines()) == 1
    assert out.read_text() == "mine"
    assert future.exit_code == 1 and "not before today" in future.output
    assert len(future.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.db").exists()
