"""Example GraphQL queries for the explorer, filled with real ids and dates of one database.

`make demo` serves a simulated year; a newcomer who opens the explorer should not have to find
an id or a date that answers something before trying a query. `example_queries(db)` picks them
from the database: a strip where eggs were collected and a moment when they were (so laying
ducks stood there then), the month around it, and the identified duck with the most events.
`tests/tools/test_demo.py` runs every example through the schema against a simulated farm.
"""

from __future__ import annotations

from dataclasses import dataclass

from animaltrack.events import types as t
from animaltrack.timefmt import to_iso

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Example:
    title: str
    query: str


def example_queries(db) -> list[Example]:
    """The examples for the farm in `db`: a roster at a past date, a strip's egg statistics over
    a month, a duck's timeline. `ValueError` when the farm has no egg collection or no
    identified duck (an empty database, say)."""
    collection = db.execute(
        "SELECT json_extract(payload, '$.location_id'), ts_utc FROM events"
        " WHERE type = ? AND id NOT IN (SELECT target_event_id FROM event_tombstones)"
        " ORDER BY ts_utc LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM events WHERE type = ?)",
        (t.PRODUCT_COLLECTED, t.PRODUCT_COLLECTED),
    ).fetchone()
    duck = db.execute(
        "SELECT r.animal_id, r.nickname FROM animal_registry r"
        " JOIN event_animals e ON e.animal_id = r.animal_id"
        " WHERE r.identified = 1 AND r.species = 'duck'"
        " GROUP BY r.animal_id ORDER BY COUNT(*) DESC, r.animal_id LIMIT 1"
    ).fetchone()
    if collection is None or duck is None:
        raise ValueError("No egg collection or identified duck here: simulate a farm first.")
    location_id, ts = collection
    name = db["locations"].get(location_id)["name"]
    at = to_iso(ts)
    month_end = to_iso(ts + 15 * DAY_MS)
    animal_id, nickname = duck
    filter_text = f'location:\\"{name}\\" sex:female'
    return [
        Example(
            f"The laying ducks at {name} on {at[:10]} (a roster at a past date)",
            f"""{{
  animals(filter: "{filter_text}", at: "{at}", first: 10) {{
    totalCount
    facets {{ lifeStage {{ lifeStage count }} }}
    nodes {{ id nickname lifeStage tags location {{ name }} }}
  }}
}}""",
        ),
        Example(
            f"Eggs and feed at {name} over the 30 days to {month_end[:10]}",
            f"""{{
  eggStats(locationId: "{location_id}", at: "{month_end}", windowDays: 30) {{
    eggsTotalPcs
    eggsPerLayerPerDay
    layerEligibleBirdDays
    feedTotalG
    costPerEggLayersEur
  }}
}}""",
        ),
        Example(
            f"The life of {nickname}, newest first",
            f"""{{
  animal(id: "{animal_id}") {{
    nickname
    status
    location {{ name }}
    timeline(first: 20) {{
      totalCount
      nodes {{ type tsUtc recordedAt actor version }}
    }}
  }}
}}""",
        ),
    ]
