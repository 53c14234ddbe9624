"""After a run, the database must show what the clients were told: every acknowledged event in
the log exactly once (and nothing appended that nobody was told of), no animal in two places at
once, no stale hash turned into a partial move, and projections equal to a fold of the log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.load.operations import Outcome
from store import connect

_OVERLAPS = """
SELECT COUNT(*) FROM (
  SELECT start_utc,
         LAG(start_utc) OVER animal AS previous_start,
         LAG(end_utc) OVER animal AS previous_end
  FROM animal_location_intervals
  WINDOW animal AS (PARTITION BY animal_id ORDER BY start_utc))
WHERE previous_start IS NOT NULL AND (previous_end IS NULL OR previous_end > start_utc)
"""


def last_seq(db_path: Path) -> int:
    db = connect(db_path)
    try:
        return db.execute("SELECT COALESCE(MAX(seq), 0) FROM log_changes").fetchone()[0]
    finally:
        db.close()


def check_log(db_path: Path, outcomes: list[Outcome], since_seq: int) -> dict:
    """What the log holds against what the clients were told, since log sequence `since_seq`."""
    acknowledged = [o.event_id for o in outcomes if o.event_id]
    db = connect(db_path)
    try:
        found = db.execute(
            "SELECT COUNT(*) FROM events WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(acknowledged),),
        ).fetchone()[0]
        appended = db.execute(
            "SELECT COUNT(*) FROM log_changes WHERE seq > ? AND kind = 'APPENDED'", (since_seq,)
        ).fetchone()[0]
        overlaps = db.execute(_OVERLAPS).fetchone()[0]
    finally:
        db.close()
    stale = Counter(o.result for o in outcomes if o.stale)
    return {
        "acknowledged": len(acknowledged),
        "acknowledged_distinct": len(set(acknowledged)),
        "acknowledged_in_log": found,
        "appended_in_log": appended,
        "overlapping_intervals": overlaps,
        "stale_moves": dict(stale),
        "http_500": sum(o.result == "HTTP 500" for o in outcomes),
        "http_503": sum(o.result == "HTTP 503" for o in outcomes),
    }


def log_holds_what_was_told(check: dict) -> bool:
    """Every acknowledged event present once, and no append nobody was told of."""
    return (
        check["acknowledged_in_log"] == check["acknowledged_distinct"] == check["acknowledged"]
        and check["appended_in_log"] == check["acknowledged"]
    )


def stale_never_moved(check: dict) -> bool:
    """A stale hash is answered with `SelectionMismatch` (or another refusal), never a move."""
    return "AnimalsMoved" not in check["stale_moves"]


def verify(db_path: Path) -> tuple[bool, str]:
    """`animaltrack verify` on the database, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", "--db", str(db_path), "verify"],
        capture_output=True,
        text=True,
    )
    last = (result.stdout.strip().splitlines() or [result.stderr.strip()])[-1]
    return result.returncode == 0, last
