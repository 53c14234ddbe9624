"""Bird time computed from the interval tables alone: the reference the bird time projection
(`animaltrack.projections.bird_time`) is tested against. It reads every span overlapping a
window, which the projection exists to avoid, and shares none of its code: the location spans
come from the R*Tree over location intervals, the layer-eligible parts from SQL joins with one
attribute interval per attribute and the registry's species."""

from __future__ import annotations

import bisect
import json

from animaltrack.projections.bird_time import LAYER_ATTRS
from animaltrack.projections.intervals import location_intervals_overlapping
from animaltrack.services.stats import BirdTime, at_location, egg_species
from store.migrations import END_OF_TIME_UTC

_EOT = END_OF_TIME_UTC


def _layer_parts() -> tuple[str, str, str, str]:
    """(tables, the pieces' start, end, conditions) of the layer-eligible pieces of a location
    span `sp` (columns animal_id, s, e): where it overlaps one interval of each attribute.

    `CROSS JOIN` fixes the join order: the attribute intervals first (by primary key), the
    registry's species last, so the costlier registry lookup is made only for the spans of
    adult females.
    """
    n = len(LAYER_ATTRS)
    tables = " CROSS JOIN ".join(f"animal_attr_intervals AS a{i}" for i in range(n))
    ends = ", ".join(f"COALESCE(a{i}.end_utc, {_EOT})" for i in range(n))
    starts = ", ".join(f"a{i}.start_utc" for i in range(n))
    conditions = " AND ".join(
        f"a{i}.animal_id = sp.animal_id AND a{i}.attr = '{attr}' AND +a{i}.value = '{value}'"
        f" AND a{i}.start_utc < sp.e AND COALESCE(a{i}.end_utc, {_EOT}) > sp.s"
        for i, (attr, value) in enumerate(LAYER_ATTRS)
    )
    where = (
        f"{conditions} AND r.animal_id = sp.animal_id"
        " AND r.species IN (SELECT value FROM json_each(:species))"
    )
    return (
        f"{tables} CROSS JOIN animal_registry AS r",
        f"MAX(sp.s, {starts})",
        f"MIN(sp.e, {ends})",
        where,
    )


def _layer_piece_sql() -> str:
    """Layer-eligible ms of one location span `sp`: a scalar subquery."""
    tables, start, end, where = _layer_parts()
    return f"SELECT COALESCE(SUM(MAX(0, {end} - {start})), 0) FROM {tables} WHERE {where}"


def layer_pieces_sql() -> str:
    """The layer-eligible pieces `(s, e)` of every span of `spans` (`SPANS_SQL`), one row each,
    for callers that split bird time (the daily series)."""
    tables, start, end, where = _layer_parts()
    return (
        f"SELECT {start} AS ps, {end} AS pe FROM spans AS sp CROSS JOIN {tables}"
        f" WHERE {where} AND pe > ps"
    )


SPANS_SQL = f"""
WITH spans AS (
  SELECT l.animal_id AS animal_id,
         MAX(l.start_utc, :start) AS s,
         MIN(COALESCE(l.end_utc, {_EOT}), :end) AS e
  FROM {location_intervals_overlapping("l", ":start", ":end")}
  WHERE COALESCE(l.end_utc, {_EOT}) > :start
    AND l.start_utc < :end {{where}}
)
"""


def _bird_time_sql(location_id: str | None) -> str:
    spans = SPANS_SQL.format(where=at_location("l", location_id))
    return (
        f"{spans} SELECT COALESCE(SUM(sp.e - sp.s), 0),"
        f" COALESCE(SUM(({_layer_piece_sql()})), 0) FROM spans AS sp"
    )


def overlap_ms(*spans: tuple[int, int | None]) -> int:
    """Length of the common part of half-open intervals `[start, end)` (None end = open).

    The same arithmetic as the SQL above (`min(ends) - max(starts)`, never negative).
    """
    start = max(s for s, _ in spans)
    end = min(_EOT if e is None else e for _, e in spans)
    return max(0, end - start)


def bird_time_from_intervals(db, location_id: str | None, start: int, end: int) -> BirdTime:
    """All and layer-eligible bird ms at the location (None: farm-wide) in `[start, end)`."""
    all_ms, layer_ms = db.execute(
        _bird_time_sql(location_id),
        {
            "location": location_id,
            "start": start,
            "end": end,
            "species": json.dumps(egg_species(db)),
        },
    ).fetchone()
    return BirdTime(all_ms, layer_ms)


def bird_ms_from_intervals(db, location_id: str | None, bounds: list[int]):
    """(all, layer-eligible) bird ms per day `[bounds[k], bounds[k + 1])`: every span of the
    range, split at the bounds."""
    params = {
        "location": location_id,
        "start": bounds[0],
        "end": bounds[-1],
        "species": json.dumps(egg_species(db)),
    }
    spans = SPANS_SQL.format(where=at_location("l", location_id))
    all_ms = spread(db.execute(f"{spans} SELECT s, e FROM spans", params).fetchall(), bounds)
    layer_rows = db.execute(f"{spans} {layer_pieces_sql()}", params).fetchall()
    return all_ms, spread(layer_rows, bounds)


def spread(pieces, bounds: list[int]) -> list[int]:
    """The milliseconds of half-open `pieces` `[s, e)` falling in each day `[bounds[k],
    bounds[k + 1])`; pieces lie within `[bounds[0], bounds[-1])`.

    A piece adds its partial first and last days directly and marks the whole days between in
    a difference array, so a piece costs O(log days) whatever its length.
    """
    n = len(bounds) - 1
    ms = [0] * n
    whole = [0] * (n + 1)
    for s, e in pieces:
        if e <= s:
            continue
        i = bisect.bisect_right(bounds, s) - 1
        j = bisect.bisect_right(bounds, e - 1) - 1
        if i == j:
            ms[i] += e - s
            continue
        ms[i] += bounds[i + 1] - s
        ms[j] += e - bounds[j]
        whole[i + 1] += 1
        whole[j] -= 1
    running = 0
    for k in range(n):
        running += whole[k]
        ms[k] += running * (bounds[k + 1] - bounds[k])
    return ms
