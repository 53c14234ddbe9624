"""A history exported by an earlier version must import, verify, and give the same figures for
as long as the project lives (SPEC §4 payload versions, §14).

`tests/fixtures/frozen/` holds a frozen export of a simulated farm, made once by
`tests/fixtures/make_frozen_export.py` with the code of its day, and the figures that code
reported: each location's roster (count and roster hash) and 30-day egg statistics at the
start of every month of the history. Never regenerate these files to make this test pass: when
a payload's shape changes, add its upcaster (`animaltrack.events.versions`) instead.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from animaltrack.selection import parse_filter, resolve_filter
from animaltrack.services.stats import get_egg_stats
from store import connect
from tests.tools.helpers import run

FROZEN = Path(__file__).parent.parent / "fixtures" / "frozen"
HISTORY = FROZEN / "history-v1.ndjson"
FIGURES = FROZEN / "figures-v1.json"
MONTH_MS = 30 * 86_400_000


def farm_figures(db) -> dict:
    """Every location's roster and egg statistics at each month of the history, as JSON."""
    first, last = db.execute(
        "SELECT MIN(ts_utc), MAX(ts_utc) FROM events WHERE ts_utc > 0"
    ).fetchone()
    locations = [r[0] for r in db.execute("SELECT id FROM locations ORDER BY id")]
    figures = {}
    for at in range(first + MONTH_MS, last + MONTH_MS, MONTH_MS):
        for location in locations:
            roster = resolve_filter(db, parse_filter(f"location:{location}"), at)
            stats = dataclasses.asdict(get_egg_stats(db, location, at, 30))
            figures[f"{at} {location}"] = {
                "roster": [len(roster.animal_ids), roster.roster_hash],
                "eggs": {key: str(value) for key, value in stats.items()},
            }
    return figures


def test_the_frozen_export_imports_verifies_and_gives_its_figures(tmp_path):
    target = tmp_path / "farm.db"
    result = run("--db", target, "import", HISTORY)
    assert result.exit_code == 0, result.output
    assert "verify: clean" in result.output
    lines = [json.loads(line) for line in HISTORY.read_text().splitlines()]
    kinds = {line["kind"] for line in lines}
    assert kinds == {"header", "reference", "event", "revision", "tombstone"}
    assert set(lines[0]["payload_versions"]) == {e["type"] for e in lines if e["kind"] == "event"}
    db = connect(target)
    try:
        assert farm_figures(db) == json.loads(FIGURES.read_text())
    finally:
        db.close()
