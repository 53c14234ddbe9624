"""Resolve a parsed filter to the animals it selects at an instant (SPEC §7–8).

The filter becomes one SQL query over the interval tables. It is driven from the most selective
index available: the location intervals covering T when the filter names a location and asks for
live animals (the common barn query), otherwise the status intervals covering T. Every other term
becomes a condition on the driving row, read at T as "the interval with the greatest start at or
before T", which is the current value for a live animal and the last one for an animal that has
left the living. Tags are held only while an interval covers T.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from animaltrack.errors import ValidationError
from animaltrack.events.enums import AnimalStatus
from animaltrack.events.ids import is_ulid
from animaltrack.projections.intervals import location_intervals_overlapping
from animaltrack.projections.locations import location_names_at
from animaltrack.selection.hashing import compute_roster_hash
from animaltrack.selection.parser import FieldFilter, FilterAST
from store.migrations import END_OF_TIME_UTC

_END = f"COALESCE({{alias}}.end_utc, {END_OF_TIME_UTC})"
ALL_STATUSES = tuple(s.value for s in AnimalStatus)


@dataclass(frozen=True)
class SelectionResult:
    animal_ids: list[str]
    roster_hash: str
    ts_utc: int = 0
    filter: str = ""
    location_ids: dict[str, list[str]] = field(default_factory=dict, compare=False)


class _Query:
    """Accumulates WHERE conditions and named parameters."""

    def __init__(self, ts: int):
        self.params: dict[str, object] = {"ts": ts}
        self.where: list[str] = []

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def values(self, values) -> str:
        return f"(SELECT value FROM json_each({self.param(json.dumps(list(values)))}))"


def _statuses(ast: FilterAST) -> set[str]:
    statuses = set(ALL_STATUSES)
    has_positive = False
    for f in ast.filters:
        if f.field != "status":
            continue
        if f.negated:
            statuses -= set(f.values)
        else:
            has_positive = True
            statuses &= set(f.values)
    if not has_positive and not any(f.field == "status" and f.negated for f in ast.filters):
        statuses = {AnimalStatus.ALIVE.value}
    return statuses


def _location_ids(db, values, ts: int) -> list[str]:
    ids: list[str] = []
    for value in values:
        found = []
        if is_ulid(value):
            row = db.execute("SELECT id FROM locations WHERE id = ?", (value.upper(),)).fetchone()
            found = [row[0]] if row else []
        if not found:
            found = location_names_at(db, value, ts)
            current = db.execute(
                "SELECT id FROM locations WHERE name = ? COLLATE NOCASE", (value,)
            ).fetchall()
            found += [r[0] for r in current if r[0] not in found]
        if not found:
            raise ValidationError(f"There is no location called '{value}'.", field="filter")
        ids += found
    return list(dict.fromkeys(ids))


def _check_species(db, values) -> None:
    for value in values:
        if db.execute("SELECT 1 FROM species WHERE code = ?", (value,)).fetchone() is None:
            raise ValidationError(f"There is no species '{value}'.", field="filter")


def _value_at(attr: str) -> str:
    return (
        "(SELECT a.value FROM animal_attr_intervals a WHERE a.animal_id = x.animal_id"
        f" AND a.attr = '{attr}' AND a.start_utc <= :ts ORDER BY a.start_utc DESC LIMIT 1)"
    )


_LOCATION_AT = (
    "(SELECT l.location_id FROM animal_location_intervals l WHERE l.animal_id = x.animal_id"
    " AND l.start_utc <= :ts ORDER BY l.start_utc DESC LIMIT 1)"
)


def _condition(db, q: _Query, f: FieldFilter, ts: int, location_ids: dict) -> str:
    if f.field == "location":
        ids = location_ids.setdefault(str(f), _location_ids(db, f.values, ts))
        return f"{_LOCATION_AT} IN {q.values(ids)}"
    if f.field == "species":
        _check_species(db, f.values)
        return (
            "(SELECT r.species FROM animal_registry r WHERE r.animal_id = x.animal_id)"
            f" IN {q.values(f.values)}"
        )
    if f.field in ("sex", "life_stage", "repro_status", "identified"):
        return f"{_value_at(f.field)} IN {q.values(f.values)}"
    if f.field == "nickname":
        lowered = [v.lower() for v in f.values]
        return f"LOWER(COALESCE({_value_at('nickname')}, '')) IN {q.values(lowered)}"
    if f.field == "tag":
        return (
            "EXISTS (SELECT 1 FROM animal_tag_intervals g WHERE g.animal_id = x.animal_id"
            f" AND g.tag IN {q.values(f.values)} AND g.start_utc <= :ts"
            f" AND {_END.format(alias='g')} > :ts)"
        )
    if f.field == "id":
        return f"x.animal_id IN {q.values(f.values)} AND x.status <> 'merged_into'"
    if f.field == "status":
        return "1"  # handled by the driver
    raise ValidationError(f"Unknown filter field '{f.field}'.", field="filter")


def resolve_filter(db, filter_ast: FilterAST, ts_utc: int) -> SelectionResult:
    """The ids (sorted) of the animals the filter selects at ts_utc, and their roster hash."""
    if not filter_ast.filters and _nothing_happens_after(db, ts_utc):
        # "Every live animal, now" — what a dashboard asks most: the live roster already is
        # the answer, when no event (not even a deleted one) lies after the instant.
        ids = [
            r[0] for r in db.execute("SELECT animal_id FROM live_animals_by_location ORDER BY 1")
        ]
        return SelectionResult(ids, compute_roster_hash(ids), ts_utc, "")
    return _resolve_through_intervals(db, filter_ast, ts_utc)


def _nothing_happens_after(db, ts_utc: int) -> bool:
    (latest,) = db.execute("SELECT MAX(ts_utc) FROM events").fetchone()
    return latest is None or latest <= ts_utc


def _resolve_through_intervals(db, filter_ast: FilterAST, ts_utc: int) -> SelectionResult:
    q = _Query(ts_utc)
    statuses = _statuses(filter_ast)
    location_ids: dict[str, list[str]] = {}
    driver_location = next(
        (f for f in filter_ast.filters if f.field == "location" and not f.negated), None
    )
    driver_ids = next((f for f in filter_ast.filters if f.field == "id" and not f.negated), None)
    if statuses == {AnimalStatus.ALIVE.value} and driver_location is not None:
        ids = location_ids.setdefault(
            str(driver_location), _location_ids(db, driver_location.values, ts_utc)
        )
        source = (
            "SELECT l.animal_id, 'alive' AS status"
            f" FROM {location_intervals_overlapping('l', ':ts', ':ts + 1')}"
            f" WHERE l.location_id IN {q.values(ids)} AND {_END.format(alias='l')} > :ts"
            " AND l.start_utc <= :ts AND EXISTS (SELECT 1 FROM animal_attr_intervals s"
            " WHERE s.animal_id = l.animal_id AND s.attr = 'status' AND s.value = 'alive'"
            f" AND s.start_utc <= :ts AND {_END.format(alias='s')} > :ts)"
        )
        skip = driver_location
    elif driver_ids is not None:
        # A hand-picked subset (`id:…`, how a client selects animals one by one): start from
        # those ids instead of every animal with a matching status.
        source = (
            f"SELECT s.animal_id, s.value AS status FROM {q.values(driver_ids.values)} AS j"
            " CROSS JOIN animal_attr_intervals s ON s.animal_id = j.value"
            f" WHERE s.attr = 'status' AND s.value IN {q.values(sorted(statuses))}"
            f" AND {_END.format(alias='s')} > :ts AND s.start_utc <= :ts"
        )
        skip = None
    else:
        source = (
            "SELECT s.animal_id, s.value AS status FROM animal_attr_intervals s"
            f" WHERE s.attr = 'status' AND s.value IN {q.values(sorted(statuses))}"
            f" AND {_END.format(alias='s')} > :ts AND s.start_utc <= :ts"
        )
        skip = None
    for f in filter_ast.filters:
        if f is skip or f.field == "status":
            continue
        condition = _condition(db, q, f, ts_utc, location_ids)
        q.where.append(f"NOT ({condition})" if f.negated else f"({condition})")
    where = f"WHERE {' AND '.join(q.where)}" if q.where else ""
    rows = db.execute(
        f"SELECT x.animal_id FROM ({source}) x {where} ORDER BY x.animal_id", q.params
    ).fetchall()
    animal_ids = [r[0] for r in rows]
    return SelectionResult(
        animal_ids=animal_ids,
        roster_hash=compute_roster_hash(animal_ids),
        ts_utc=ts_utc,
        filter=str(filter_ast),
        location_ids=location_ids,
    )
