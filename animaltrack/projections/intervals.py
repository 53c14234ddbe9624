"""Location and attribute intervals: where each animal was, and what it was, at every instant.

An interval is `[start_utc, end_utc)`, `end_utc` NULL while open; a zero-length interval is never
stored (a second change at the same millisecond replaces the first). When an animal leaves the
living (outcome, merge, status corrected away from alive) its location and attribute intervals
close and its `status` interval records the new status; a correction back to alive reopens them
with the values it had, from the correction on (the gap stays).

Point-in-time readers live here too, because this module is the one that knows these tables:
the value of an attribute at T is the interval with the greatest `start_utc <= T` — the open
interval for a live animal, the last one for an animal that has left the living (SPEC §7). Those
the rules read have an in-memory twin on `MemoryIntervals`, answering the same over a batch
fold, so that a whole history can be checked without writing it (`projections.state`).

The folding rules are written once (`IntervalRules`) against a small state interface with two
implementations: `SqlIntervals` over the tables (the live path) and `MemoryIntervals` (the
batch build, which then loads the rows in bulk).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from animaltrack.events import types as t
from animaltrack.events.enums import OUTCOME_STATUS, AnimalStatus
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.base import (
    Batch,
    MemoryFold,
    Projection,
    RuledProjection,
    insert_rows,
    only_these,
)
from store.migrations import END_OF_TIME_UTC

_END = f"COALESCE(end_utc, {END_OF_TIME_UTC})"

# Attributes kept as intervals, besides location (SPEC §6.1).
DESCRIPTIVE_ATTRS = ("sex", "life_stage", "repro_status", "identified", "nickname")
ALL_ATTRS = (*DESCRIPTIVE_ATTRS, "status")


class IntervalState:
    """What the folding rules read and write: each animal's location intervals and attribute
    intervals. Intervals are folded in time order, so an animal's open interval is its latest."""

    def open_locations(self, animals: list[str]) -> dict[str, str]:
        """The location of each animal's open location interval (animals without one absent)."""
        raise NotImplementedError

    def last_location(self, animal: str) -> str | None:
        """The location of the animal's latest location interval, open or not."""
        raise NotImplementedError

    def end_locations(self, animals: list[str], ts: int) -> None:
        """Close each animal's open location interval at ts (drop it when it began at ts)."""
        raise NotImplementedError

    def start_locations(self, animals: list[str], location: str, ts: int) -> None:
        """Open a location interval at `location` from ts for each animal."""
        raise NotImplementedError

    def open_attr(self, animal: str, attr: str) -> tuple[str, int] | None:
        """(value, start) of the animal's open interval of `attr`."""
        raise NotImplementedError

    def last_attr(self, animal: str, attr: str) -> str | None:
        """The value of the animal's latest interval of `attr`, open or not."""
        raise NotImplementedError

    def end_attrs(self, animal: str, attrs: Iterable[str], ts: int) -> None:
        """Close the animal's open intervals of these attributes at ts (drop those begun at ts)."""
        raise NotImplementedError

    def start_attr(self, animal: str, attr: str, value: str, ts: int) -> None:
        """Open an interval of `attr` = value from ts (replacing one that began at ts)."""
        raise NotImplementedError


class IntervalRules:
    """How each event type changes intervals: the one definition, over any `IntervalState`."""

    def __init__(self, state: IntervalState):
        self.state = state

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        ts, p = event.ts_utc, event.payload
        if event.type in (t.ANIMAL_COHORT_CREATED, t.HATCH_RECORDED):
            self._create(event, only)
        elif event.type == t.ANIMAL_MOVED:
            self.set_location(only_these(p["resolved_ids"], only), p["to_location_id"], ts)
        elif event.type == t.ANIMAL_ATTRIBUTES_UPDATED:
            for animal in only_these(p["resolved_ids"], only):
                for attr, value in p["set"].items():
                    self.set_attr(animal, attr, value, ts)
        elif event.type == t.ANIMAL_PROMOTED:
            for animal in only_these([p["animal_id"]], only):
                self.set_attr(animal, "identified", "true", ts)
                self.set_attr(animal, "nickname", p["nickname"], ts)
                for attr in ("sex", "repro_status"):
                    if p.get(attr):
                        self.set_attr(animal, attr, p[attr], ts)
        elif event.type == t.ANIMAL_OUTCOME:
            status = OUTCOME_STATUS[p["outcome"]]
            for animal in only_these(p["resolved_ids"], only):
                self.leave_living(animal, status, ts)
        elif event.type == t.ANIMAL_MERGED:
            for animal in only_these(p["merged_ids"], only):
                self.leave_living(animal, AnimalStatus.MERGED_INTO, ts)
        elif event.type == t.ANIMAL_STATUS_CORRECTED:
            for animal in only_these(p["animal_ids"], only):
                self.correct_status(animal, p["new_status"], ts)

    def _create(self, event: Event, only: frozenset[str] | None) -> None:
        p, ts = event.payload, event.ts_utc
        if event.type == t.HATCH_RECORDED:
            location = p.get("assigned_brood_location_id") or p["location_id"]
            attrs = {"sex": "unknown", "life_stage": "hatchling"}
        else:
            location = p["location_id"]
            attrs = {"sex": p.get("sex", "unknown"), "life_stage": p["life_stage"]}
        attrs |= {"repro_status": "unknown", "identified": "false", "status": "alive"}
        animals = only_these(event.entity_refs["animal_ids"], only)
        self.state.start_locations(animals, location, ts)
        for animal in animals:
            for attr, value in attrs.items():
                self.state.start_attr(animal, attr, value, ts)

    def set_location(self, animals: list[str], location: str, ts: int) -> None:
        """Move animals to `location` from ts; an animal already there is left alone."""
        if not animals:
            return
        open_at = self.state.open_locations(animals)
        moving = [a for a in animals if open_at.get(a) != location]
        if moving:
            self.state.end_locations(moving, ts)
            self.state.start_locations(moving, location, ts)

    def set_attr(self, animal: str, attr: str, value: str, ts: int) -> None:
        current = self.state.open_attr(animal, attr)
        if current is not None:
            if current[0] == value:
                return
            self.state.end_attrs(animal, [attr], ts)
        self.state.start_attr(animal, attr, value, ts)

    def close_open(self, animal: str, ts: int) -> None:
        self.state.end_locations([animal], ts)
        self.state.end_attrs(animal, DESCRIPTIVE_ATTRS, ts)

    def leave_living(self, animal: str, status: str, ts: int) -> None:
        self.close_open(animal, ts)
        self.set_attr(animal, "status", status, ts)

    def correct_status(self, animal: str, new_status: str, ts: int) -> None:
        current = self.state.open_attr(animal, "status")
        was_alive = current is not None and current[0] == AnimalStatus.ALIVE
        if new_status == AnimalStatus.ALIVE and not was_alive:
            self.rejoin_living(animal, ts)
        elif new_status != AnimalStatus.ALIVE and was_alive:
            self.close_open(animal, ts)
        self.set_attr(animal, "status", new_status, ts)

    def rejoin_living(self, animal: str, ts: int) -> None:
        """Reopen the last location and attribute values from ts on; the gap stays."""
        location = self.state.last_location(animal)
        if location is not None:
            self.set_location([animal], location, ts)
        for attr in DESCRIPTIVE_ATTRS:
            value = self.state.last_attr(animal, attr)
            if value is not None:
                self.set_attr(animal, attr, value, ts)


class SqlIntervals(IntervalState):
    """The intervals in their tables (the live path). Set-based where a flock moves at once."""

    def __init__(self, projection: Projection):
        self.db = projection.db
        self.sql = projection.sql

    def open_locations(self, animals):
        rows = self.db.execute(
            self.sql(
                "SELECT animal_id, location_id FROM {animal_location_intervals}"
                " WHERE end_utc IS NULL AND animal_id IN (SELECT value FROM json_each(?))"
            ),
            (json_list(animals),),
        )
        return dict(rows.fetchall())

    def last_location(self, animal):
        row = self.db.execute(
            self.sql(
                "SELECT location_id FROM {animal_location_intervals} WHERE animal_id = ?"
                " ORDER BY start_utc DESC LIMIT 1"
            ),
            (animal,),
        ).fetchone()
        return row[0] if row else None

    def end_locations(self, animals, ts):
        ids = json_list(animals)
        self.db.execute(
            self.sql(
                "DELETE FROM {animal_location_intervals} WHERE end_utc IS NULL AND start_utc >= ?"
                " AND animal_id IN (SELECT value FROM json_each(?))"
            ),
            (ts, ids),
        )
        self.db.execute(
            self.sql(
                "UPDATE {animal_location_intervals} SET end_utc = ? WHERE end_utc IS NULL"
                " AND animal_id IN (SELECT value FROM json_each(?))"
            ),
            (ts, ids),
        )

    def start_locations(self, animals, location, ts):
        insert_rows(
            self.db,
            self.sql("{animal_location_intervals}"),
            ("animal_id", "location_id", "start_utc"),
            [(a, location, ts) for a in animals],
        )

    def open_attr(self, animal, attr):
        return self.db.execute(
            self.sql(
                "SELECT value, start_utc FROM {animal_attr_intervals}"
                " WHERE animal_id = ? AND attr = ? AND end_utc IS NULL"
            ),
            (animal, attr),
        ).fetchone()

    def last_attr(self, animal, attr):
        row = self.db.execute(
            self.sql(
                "SELECT value FROM {animal_attr_intervals} WHERE animal_id = ? AND attr = ?"
                " ORDER BY start_utc DESC LIMIT 1"
            ),
            (animal, attr),
        ).fetchone()
        return row[0] if row else None

    def end_attrs(self, animal, attrs, ts):
        params = {"animal": animal, "ts": ts, "attrs": json_list(attrs)}
        open_ones = (
            "animal_id = :animal AND end_utc IS NULL"
            " AND attr IN (SELECT value FROM json_each(:attrs))"
        )
        self.db.execute(
            self.sql(
                f"DELETE FROM {{animal_attr_intervals}} WHERE {open_ones} AND start_utc >= :ts"
            ),
            params,
        )
        self.db.execute(
            self.sql(f"UPDATE {{animal_attr_intervals}} SET end_utc = :ts WHERE {open_ones}"),
            params,
        )

    def start_attr(self, animal, attr, value, ts):
        self.db.execute(
            self.sql(
                "INSERT OR REPLACE INTO {animal_attr_intervals}"
                " (animal_id, attr, value, start_utc, end_utc) VALUES (?, ?, ?, ?, NULL)"
            ),
            (animal, attr, value, ts),
        )


class MemoryIntervals(IntervalState):
    """The intervals of every animal in memory, as `[value, start, end]` lists in start order
    (the batch build folds here, then loads the rows in primary-key order)."""

    def __init__(self) -> None:
        self.locations: dict[str, list[list]] = {}
        self.attrs: dict[str, dict[str, list[list]]] = {}
        # Indexes for the point-in-time readers below (the rules read them once per event, so
        # none may scan every animal). They only ever grow or narrow with the fold; the rows
        # the batch loads are `locations` and `attrs` alone.
        self.ever_at: dict[str, set[str]] = {}  # location -> animals with an interval there
        self.open_at: dict[str, set[str]] = {}  # location -> animals with an open one there
        self.ever_named: dict[str, set[str]] = {}  # nickname (NOCASE) -> animals that bore it
        self.latest = -1  # no interval starts or ends after this instant

    def open_locations(self, animals):
        found = {}
        for animal in animals:
            spans = self.locations.get(animal)
            if spans and spans[-1][2] is None:
                found[animal] = spans[-1][0]
        return found

    def last_location(self, animal):
        spans = self.locations.get(animal)
        return spans[-1][0] if spans else None

    def end_locations(self, animals, ts):
        self.latest = max(self.latest, ts)
        for animal in animals:
            spans = self.locations.get(animal)
            if spans and spans[-1][2] is None:
                self.open_at[spans[-1][0]].discard(animal)
            _end_open(spans, ts)

    def start_locations(self, animals, location, ts):
        self.latest = max(self.latest, ts)
        ever = self.ever_at.setdefault(location, set())
        now = self.open_at.setdefault(location, set())
        for animal in animals:
            self.locations.setdefault(animal, []).append([location, ts, None])
            ever.add(animal)
            now.add(animal)

    def open_attr(self, animal, attr):
        spans = self.attrs.get(animal, {}).get(attr)
        if spans and spans[-1][2] is None:
            return spans[-1][0], spans[-1][1]
        return None

    def last_attr(self, animal, attr):
        spans = self.attrs.get(animal, {}).get(attr)
        return spans[-1][0] if spans else None

    def end_attrs(self, animal, attrs, ts):
        self.latest = max(self.latest, ts)
        by_attr = self.attrs.get(animal, {})
        for attr in attrs:
            _end_open(by_attr.get(attr), ts)

    def start_attr(self, animal, attr, value, ts):
        self.latest = max(self.latest, ts)
        spans = self.attrs.setdefault(animal, {}).setdefault(attr, [])
        while spans and spans[-1][1] == ts:  # INSERT OR REPLACE on (animal, attr, start)
            spans.pop()
        spans.append([value, ts, None])
        if attr == "nickname":
            self.ever_named.setdefault(nocase(value), set()).add(animal)

    # -- point-in-time readers: the in-memory twins of the SQL readers at the end of the module,
    # answering exactly what those answer over the same rows ---------------------------------

    def states_at(self, animal_ids: Iterable[str], ts: int) -> dict[str, AnimalState]:
        """Like `states_at(db, …)`: each animal's values at ts, animals not created by ts absent."""
        found = {}
        for animal in animal_ids:
            by_attr = self.attrs.get(animal, {})
            status = _at(by_attr.get("status"), ts)
            if status is None:
                continue
            location, sex, stage = (
                _at(spans, ts)
                for spans in (
                    self.locations.get(animal),
                    by_attr.get("sex"),
                    by_attr.get("life_stage"),
                )
            )
            found[animal] = AnimalState(
                animal,
                status[0],
                location and location[0],
                sex and sex[0],
                stage and stage[0],
            )
        return found

    def live_ids_at_location(self, location_id: str, ts: int) -> list[str]:
        """Like `live_ids_at_location(db, …)`. At or after the latest instant folded (the common
        case: checking the next event of a fold) the covering location intervals are the open
        ones there, and the status that counts is the latest; earlier, every animal ever there
        is a candidate."""
        found = []
        if ts >= self.latest:
            for animal in self.open_at.get(location_id, ()):
                status = self.attrs[animal]["status"][-1]
                if status[0] == AnimalStatus.ALIVE and _covers(status, ts):
                    found.append(animal)
            return sorted(found)
        for animal in self.ever_at.get(location_id, ()):
            where = _at(self.locations.get(animal), ts)
            if where is None or where[0] != location_id or not _covers(where, ts):
                continue
            status = _at(self.attrs.get(animal, {}).get("status"), ts)
            if status is not None and status[0] == AnimalStatus.ALIVE and _covers(status, ts):
                found.append(animal)
        return sorted(found)

    def any_animal_at_location_from(self, location_id: str, ts: int) -> list[str]:
        """Like `any_animal_at_location_from(db, …)`: the first ten animals, by id, with an
        interval at the location reaching past ts."""
        found = [
            animal
            for animal in self.ever_at.get(location_id, ())
            if _reaches_past(self.locations.get(animal), ts, location_id.__eq__)
        ]
        return sorted(found)[:10]

    def nickname_holders_from(self, nickname: str, ts: int, excluding: str) -> list[str]:
        """Like `nickname_holders_from(db, …)`: other animals bearing the nickname (compared as
        SQLite's NOCASE does) at ts or later, by id."""
        key = nocase(nickname)
        found = [
            animal
            for animal in self.ever_named.get(key, ())
            if animal != excluding
            and _reaches_past(
                self.attrs.get(animal, {}).get("nickname"), ts, lambda v: nocase(v) == key
            )
        ]
        return sorted(found)

    def location_rows(self) -> Iterator[tuple]:
        for animal in sorted(self.locations):
            for location, start, end in self.locations[animal]:
                yield animal, location, start, end

    def attr_rows(self) -> Iterator[tuple]:
        for animal in sorted(self.attrs):
            by_attr = self.attrs[animal]
            for attr in sorted(by_attr):
                for value, start, end in by_attr[attr]:
                    yield animal, attr, value, start, end


_start = itemgetter(1)


def _at(spans: list[list] | None, ts: int) -> list | None:
    """The span with the greatest start <= ts (SPEC §7), open or not; None before the first.
    Spans start in strictly increasing order, so a bisection finds it; the latest span is the
    usual answer and is tried first."""
    if not spans:
        return None
    if spans[-1][1] <= ts:
        return spans[-1]
    i = bisect_right(spans, ts, key=_start) - 1
    return spans[i] if i >= 0 else None


def _covers(span: list, ts: int) -> bool:
    """`start_utc <= T < COALESCE(end_utc, END_OF_TIME_UTC)`, as the SQL readers test it."""
    return span[1] <= ts < (END_OF_TIME_UTC if span[2] is None else span[2])


def _reaches_past(spans: list[list] | None, ts: int, matches: Callable[[str], bool]) -> bool:
    """Whether a span whose value `matches` ends after ts (`COALESCE(end_utc, END) > T`). Spans
    never overlap, so ends grow with starts: walk back from the latest and stop at the first
    that ends by ts."""
    for value, _, end in reversed(spans or ()):
        if (END_OF_TIME_UTC if end is None else end) <= ts:
            return False
        if matches(value):
            return True
    return False


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(text: str) -> str:
    """The key SQLite's NOCASE collation compares by: only ASCII letters fold (so 'É' and 'é'
    differ there, and must differ here too)."""
    return text.translate(_ASCII_LOWER)


def _end_open(spans: list[list] | None, ts: int) -> None:
    """Close the open interval ending `spans` at ts, or drop it when it began at ts or later."""
    if spans and spans[-1][2] is None:
        if spans[-1][1] >= ts:
            spans.pop()
        else:
            spans[-1][2] = ts


class IntervalProjection(RuledProjection):
    NAME = "intervals"
    TABLES = ("animal_location_intervals", "animal_attr_intervals")
    EVENT_TYPES = frozenset(
        {
            t.ANIMAL_COHORT_CREATED,
            t.HATCH_RECORDED,
            t.ANIMAL_MOVED,
            t.ANIMAL_ATTRIBUTES_UPDATED,
            t.ANIMAL_PROMOTED,
            t.ANIMAL_OUTCOME,
            t.ANIMAL_MERGED,
            t.ANIMAL_STATUS_CORRECTED,
        }
    )
    RULES, SQL_STATE, MEMORY_STATE = IntervalRules, SqlIntervals, MemoryIntervals
    RTREES = ("animal_location_spans",)

    def forget(self, animal_ids: frozenset[str]) -> None:
        for table in self.TABLES:
            self.db.execute(
                f"DELETE FROM {self.names[table]}"
                " WHERE animal_id IN (SELECT value FROM json_each(?))",
                (json_list(animal_ids),),
            )

    def truncate(self) -> None:
        super().truncate()
        self.db.execute(self.sql("DELETE FROM {animal_location_spans}"))

    def batch(self, log: str) -> Batch:
        return IntervalBatch(self)


class IntervalBatch(MemoryFold):
    """Fold every animal's intervals in memory, then load them in primary-key order and index
    their spans in the R*Tree in one pass."""

    def finish(self) -> None:
        p = self.projection
        insert_rows(
            p.db,
            p.names["animal_location_intervals"],
            ("animal_id", "location_id", "start_utc", "end_utc"),
            self.memory.location_rows(),
        )
        insert_rows(
            p.db,
            p.names["animal_attr_intervals"],
            ("animal_id", "attr", "value", "start_utc", "end_utc"),
            self.memory.attr_rows(),
        )
        p.db.execute(
            p.sql(
                "INSERT INTO {animal_location_spans} (id, start_utc, end_utc)"
                f" SELECT rowid, start_utc, {_END} FROM {{animal_location_intervals}}"
            )
        )


# -- point-in-time readers ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnimalState:
    """What the intervals say about one animal at an instant."""

    animal_id: str
    status: str | None
    location_id: str | None
    sex: str | None = None
    life_stage: str | None = None


def states_at(db, animal_ids: Iterable[str], ts: int) -> dict[str, AnimalState]:
    """Status, location, sex and life stage of each animal at ts (animals with no status yet
    at ts — not created by then — are absent from the result)."""
    rows = db.execute(
        """
        WITH ids(animal_id) AS (SELECT value FROM json_each(:ids))
        SELECT ids.animal_id,
          (SELECT value FROM animal_attr_intervals a WHERE a.animal_id = ids.animal_id
             AND a.attr = 'status' AND a.start_utc <= :ts ORDER BY a.start_utc DESC LIMIT 1),
          (SELECT location_id FROM animal_location_intervals l WHERE l.animal_id = ids.animal_id
             AND l.start_utc <= :ts ORDER BY l.start_utc DESC LIMIT 1),
          (SELECT value FROM animal_attr_intervals a WHERE a.animal_id = ids.animal_id
             AND a.attr = 'sex' AND a.start_utc <= :ts ORDER BY a.start_utc DESC LIMIT 1),
          (SELECT value FROM animal_attr_intervals a WHERE a.animal_id = ids.animal_id
             AND a.attr = 'life_stage' AND a.start_utc <= :ts ORDER BY a.start_utc DESC LIMIT 1)
        FROM ids
        """,
        {"ids": json_list(animal_ids), "ts": ts},
    ).fetchall()
    return {r[0]: AnimalState(*r) for r in rows if r[1] is not None}


def location_intervals_overlapping(alias: str, start: str, end: str) -> str:
    """A FROM-clause fragment: the location intervals `alias` overlapping `[start, end)` (SQL
    expressions), found through the R*Tree `animal_location_spans` wherever in history the span
    lies. The R*Tree may return a few intervals too many: callers test the exact bounds."""
    return (
        f"animal_location_spans AS {alias}_span CROSS JOIN animal_location_intervals AS {alias}"
        f" ON {alias}.rowid = {alias}_span.id"
        f" AND {alias}_span.start_utc < {end} AND {alias}_span.end_utc > {start}"
    )


def live_ids_at_location(db, location_id: str, ts: int) -> list[str]:
    """Animals alive at the location at ts, sorted (alive animals always have an open-at-ts
    location interval, so the covering interval is enough)."""
    rows = db.execute(
        f"""
        SELECT l.animal_id FROM {location_intervals_overlapping("l", ":ts", ":ts + 1")}
        WHERE l.location_id = :loc AND l.start_utc <= :ts
          AND COALESCE(l.end_utc, {END_OF_TIME_UTC}) > :ts
          AND EXISTS (SELECT 1 FROM animal_attr_intervals s WHERE s.animal_id = l.animal_id
            AND s.attr = 'status' AND s.value = 'alive' AND s.start_utc <= :ts
            AND COALESCE(s.end_utc, {END_OF_TIME_UTC}) > :ts)
        ORDER BY l.animal_id
        """,
        {"loc": location_id, "ts": ts},
    ).fetchall()
    return [r[0] for r in rows]


def any_animal_at_location_from(db, location_id: str, ts: int) -> list[str]:
    """Animals with a location interval at the location that reaches past ts (the first 10 by
    id: the refusal names the first, so every implementation must name the same one)."""
    rows = db.execute(
        f"SELECT DISTINCT animal_id FROM animal_location_intervals"
        f" WHERE location_id = ? AND {_END} > ? ORDER BY animal_id LIMIT 10",
        (location_id, ts),
    ).fetchall()
    return [r[0] for r in rows]


def nickname_holders_from(db, nickname: str, ts: int, excluding: str) -> list[str]:
    """Other animals holding this nickname (ignoring case) at ts or later, by id (the refusal
    names the first)."""
    rows = db.execute(
        f"SELECT DISTINCT animal_id FROM animal_attr_intervals"
        f" WHERE attr = 'nickname' AND value = ? COLLATE NOCASE AND {_END} > ?"
        f" AND animal_id <> ? ORDER BY animal_id",
        (nickname, ts, excluding),
    ).fetchall()
    return [r[0] for r in rows]
