"""A farm recorded before the bird time projection (m009): `serve` refuses to start until
`animaltrack migrate` has filled the projection from the intervals, so no server ever answers
bird-day figures from an empty table; after it, the figures are those of a farm that had the
projection all along, and `verify` passes."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from animaltrack.events.payloads import AnimalMovedPayload, build_payload
from animaltrack.projections.bird_time import bird_ms_by_day
from store import connect
from tests.farm import DAY, HOUR, T0, Farm
from tools.cli import main


def _record(path) -> list[int]:
    """A cohort of 4 adult female ducks at Strip 1, two moved to Strip 2 after 5.5 hours;
    return the farm-wide and per-strip bird ms of the first day."""
    farm = Farm(path)
    try:
        ids = farm.cohort("Strip 1", 4, T0)
        farm.animals.move_animals(
            build_payload(
                AnimalMovedPayload,
                resolved_ids=sorted(ids)[:2],
                to_location_id=farm.location_id("Strip 2"),
            ),
            T0 + 5 * HOUR + 30 * 60_000,
            "ppetru",
        )
        return _day_figures(farm.db)
    finally:
        farm.close()


def _day_figures(db) -> list:
    places = [None, *(r[0] for r in db.execute("SELECT id FROM locations ORDER BY id"))]
    return [bird_ms_by_day(db, place, [T0, T0 + DAY // 2, T0 + DAY]) for place in places]


def _as_before_m009(path) -> None:
    """Take out what m009 and m010 made, as the version before them left the file."""
    db = connect(path)
    try:
        for table in ("bird_time_hours", "bird_time_pieces", "bird_time_blocks"):
            db.execute(f"DROP TABLE {table}")
        db.execute("DROP INDEX feed_given_by_type")
        db.execute(
            "DELETE FROM _sqlite_migrations WHERE name IN ('m009_bird_time', 'm010_window_reads')"
        )
    finally:
        db.close()


def test_serve_refuses_until_migrate_fills_bird_time(tmp_path):
    path = tmp_path / "farm.db"
    expected = _record(path)
    assert expected[0][0][0] == 4 * DAY // 2  # farm-wide, the first half day: 4 ducks
    _as_before_m009(path)
    runner = CliRunner()

    # In a process of its own: were it to start serving, the timeout ends it and the test.
    refused = subprocess.run(
        [sys.executable, "-m", "tools.cli", "--db", str(path), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 1
    assert "m009_bird_time" in refused.stderr and "animaltrack migrate" in refused.stderr

    migrated = runner.invoke(main, ["--db", str(path), "migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "upgrade bird_time" in migrated.output

    db = connect(path)
    try:
        assert _day_figures(db) == expected
    finally:
        db.close()
    verified = runner.invoke(main, ["--db", str(path), "verify"])
    assert verified.exit_code == 0, verified.output
