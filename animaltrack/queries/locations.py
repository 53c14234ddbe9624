"""Locations by id, many at once (the API's location loader)."""

from __future__ import annotations

from collections.abc import Iterable

from animaltrack.events.store import json_list
from animaltrack.projections.locations import Location


def locations_by_ids(db, location_ids: Iterable[str]) -> dict[str, Location]:
    rows = db.execute(
        "SELECT id, name, active, created_ts_utc, archived_ts_utc FROM locations"
        " WHERE id IN (SELECT value FROM json_each(?))",
        (json_list(location_ids),),
    ).fetchall()
    return {r[0]: Location(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows}
