"""Location and attribute intervals: where each animal was, and what it was, at every instant.

An interval is `[start_utc, end_utc)`, `end_utc` NULL while open; a zero-length interval is never
stored (a second change at the same millisecond replaces the first). When an animal leaves the
living (outcome, merge, status corrected away from alive) its location and attribute intervals
close and its `status` interval records the new status; a correction back to alive reopens them
with the values it had, from the correction on (the gap stays).

Point-in-time readers live here too, because this module is the one that knows these tables:
the value of an attribute at T is the interval with the greatest `start_utc <= T` — the open
interval for a live animal, the last one for an animal that has left the living (SPEC §7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from animaltrack.events import types as t
from animaltrack.events.enums import OUTCOME_STATUS, AnimalStatus
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.base import Projection, only_these
from store.migrations import END_OF_TIME_UTC

_END = f"COALESCE(end_utc, {END_OF_TIME_UTC})"

# Attributes kept as intervals, besides location (SPEC §6.1).
DESCRIPTIVE_ATTRS = ("sex", "life_stage", "repro_status", "identified", "nickname")
ALL_ATTRS = (*DESCRIPTIVE_ATTRS, "status")


class IntervalProjection(Projection):
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
    ANIMAL_ROWS = True
    DEPENDS_ON = ("event_animals",)  # reverting refolds the animals of an event: found there

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        ts, p = event.ts_utc, event.payload
        if event.type in (t.ANIMAL_COHORT_CREATED, t.HATCH_RECORDED):
            self._create(event, only)
        elif event.type == t.ANIMAL_MOVED:
            self._set_location(only_these(p["resolved_ids"], only), p["to_location_id"], ts)
        elif event.type == t.ANIMAL_ATTRIBUTES_UPDATED:
            for animal in only_these(p["resolved_ids"], only):
                for attr, value in p["set"].items():
                    self._set_attr(animal, attr, value, ts)
        elif event.type == t.ANIMAL_PROMOTED:
            for animal in only_these([p["animal_id"]], only):
                self._set_attr(animal, "identified", "true", ts)
                self._set_attr(animal, "nickname", p["nickname"], ts)
                for attr in ("sex", "repro_status"):
                    if p.get(attr):
                        self._set_attr(animal, attr, p[attr], ts)
        elif event.type == t.ANIMAL_OUTCOME:
            status = OUTCOME_STATUS[p["outcome"]]
            for animal in only_these(p["resolved_ids"], only):
                self._leave_living(animal, status, ts)
        elif event.type == t.ANIMAL_MERGED:
            for animal in only_these(p["merged_ids"], only):
                self._leave_living(animal, AnimalStatus.MERGED_INTO, ts)
        elif event.type == t.ANIMAL_STATUS_CORRECTED:
            for animal in only_these(p["animal_ids"], only):
                self._correct_status(animal, p["new_status"], ts)

    def forget(self, animal_ids: frozenset[str]) -> None:
        for table in self.TABLES:
            self.db.execute(
                f"DELETE FROM {table} WHERE animal_id IN (SELECT value FROM json_each(?))",
                (json_list(animal_ids),),
            )

    # -- folding helpers -------------------------------------------------------------------

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
        self.db.conn.executemany(
            "INSERT INTO animal_location_intervals (animal_id, location_id, start_utc, end_utc)"
            " VALUES (?, ?, ?, NULL)",
            [(a, location, ts) for a in animals],
        )
        self.db.conn.executemany(
            "INSERT INTO animal_attr_intervals (animal_id, attr, value, start_utc, end_utc)"
            " VALUES (?, ?, ?, ?, NULL)",
            [(a, attr, value, ts) for a in animals for attr, value in attrs.items()],
        )

    def _set_location(self, animals: list[str], location: str, ts: int) -> None:
        """Move animals to `location` from ts: close their open interval (or drop it when it
        would have zero length) and open one there; an animal already there is left alone.
        Set-based, so moving a flock costs a handful of statements, not a few per bird."""
        if not animals:
            return
        staying = {
            r[0]
            for r in self.db.execute(
                "SELECT animal_id FROM animal_location_intervals WHERE end_utc IS NULL"
                # `+`: look the animals up by id, not every interval ever at the location
                " AND +location_id = ? AND animal_id IN (SELECT value FROM json_each(?))",
                (location, json_list(animals)),
            )
        }
        moving = [a for a in animals if a not in staying]
        if not moving:
            return
        ids = json_list(moving)
        self.db.execute(
            "DELETE FROM animal_location_intervals WHERE end_utc IS NULL AND start_utc >= ?"
            " AND animal_id IN (SELECT value FROM json_each(?))",
            (ts, ids),
        )
        self.db.execute(
            "UPDATE animal_location_intervals SET end_utc = ? WHERE end_utc IS NULL"
            " AND animal_id IN (SELECT value FROM json_each(?))",
            (ts, ids),
        )
        self.db.conn.executemany(
            "INSERT INTO animal_location_intervals (animal_id, location_id, start_utc, end_utc)"
            " VALUES (?, ?, ?, NULL)",
            [(a, location, ts) for a in moving],
        )

    def _set_attr(self, animal: str, attr: str, value: str, ts: int) -> None:
        row = self.db.execute(
            "SELECT value, start_utc FROM animal_attr_intervals"
            " WHERE animal_id = ? AND attr = ? AND end_utc IS NULL",
            (animal, attr),
        ).fetchone()
        if row is not None:
            if row[0] == value:
                return
            self._end(
                "animal_attr_intervals",
                "animal_id = ? AND attr = ? AND start_utc = ?",
                (animal, attr, row[1]),
                row[1],
                ts,
            )
        self.db.execute(
            "INSERT OR REPLACE INTO animal_attr_intervals"
            " (animal_id, attr, value, start_utc, end_utc) VALUES (?, ?, ?, ?, NULL)",
            (animal, attr, value, ts),
        )

    def _end(self, table: str, where: str, params: tuple, start: int, ts: int) -> None:
        """Close an open interval at ts, or drop it when it would have zero length."""
        if start >= ts:
            self.db.execute(f"DELETE FROM {table} WHERE {where}", params)
        else:
            self.db.execute(f"UPDATE {table} SET end_utc = ? WHERE {where}", (ts, *params))

    def _close_open(self, animal: str, ts: int, attrs: Iterable[str]) -> None:
        self.db.execute(
            "DELETE FROM animal_location_intervals"
            " WHERE animal_id = ? AND end_utc IS NULL AND start_utc >= ?",
            (animal, ts),
        )
        self.db.execute(
            "UPDATE animal_location_intervals SET end_utc = ?"
            " WHERE animal_id = ? AND end_utc IS NULL",
            (ts, animal),
        )
        attr_list = json_list(attrs)
        self.db.execute(
            "DELETE FROM animal_attr_intervals WHERE animal_id = ? AND end_utc IS NULL"
            " AND start_utc >= ? AND attr IN (SELECT value FROM json_each(?))",
            (animal, ts, attr_list),
        )
        self.db.execute(
            "UPDATE animal_attr_intervals SET end_utc = ? WHERE animal_id = ? AND end_utc IS NULL"
            " AND attr IN (SELECT value FROM json_each(?))",
            (ts, animal, attr_list),
        )

    def _leave_living(self, animal: str, status: str, ts: int) -> None:
        self._close_open(animal, ts, DESCRIPTIVE_ATTRS)
        self._set_attr(animal, "status", status, ts)

    def _correct_status(self, animal: str, new_status: str, ts: int) -> None:
        current = self.db.execute(
            "SELECT value FROM animal_attr_intervals"
            " WHERE animal_id = ? AND attr = 'status' AND end_utc IS NULL",
            (animal,),
        ).fetchone()
        was_alive = current is not None and current[0] == AnimalStatus.ALIVE
        if new_status == AnimalStatus.ALIVE and not was_alive:
            self._rejoin_living(animal, ts)
        elif new_status != AnimalStatus.ALIVE and was_alive:
            self._close_open(animal, ts, DESCRIPTIVE_ATTRS)
        self._set_attr(animal, "status", new_status, ts)

    def _rejoin_living(self, animal: str, ts: int) -> None:
        """Reopen the last location and attribute values from ts on; the gap stays."""
        location = last_location(self.db, animal)
        if location is not None:
            self._set_location([animal], location, ts)
        for attr in DESCRIPTIVE_ATTRS:
            row = self.db.execute(
                "SELECT value FROM animal_attr_intervals WHERE animal_id = ? AND attr = ?"
                " ORDER BY start_utc DESC LIMIT 1",
                (animal, attr),
            ).fetchone()
            if row is not None:
                self._set_attr(animal, attr, row[0], ts)


# -- point-in-time readers ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnimalState:
    """What the intervals say about one animal at an instant."""

    animal_id: str
    status: str | None
    location_id: str | None
    sex: str | None = None
    life_stage: str | None = None


def last_location(db, animal: str) -> str | None:
    row = db.execute(
        "SELECT location_id FROM animal_location_intervals WHERE animal_id = ?"
        " ORDER BY start_utc DESC LIMIT 1",
        (animal,),
    ).fetchone()
    return row[0] if row else None


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
    """Animals with a location interval at the location that reaches past ts (at most 10)."""
    rows = db.execute(
        f"SELECT DISTINCT animal_id FROM animal_location_intervals"
        f" WHERE location_id = ? AND {_END} > ? LIMIT 10",
        (location_id, ts),
    ).fetchall()
    return [r[0] for r in rows]


def nickname_holders_from(db, nickname: str, ts: int, excluding: str) -> list[str]:
    """Other animals holding this nickname (ignoring case) at ts or later."""
    rows = db.execute(
        f"SELECT DISTINCT animal_id FROM animal_attr_intervals"
        f" WHERE attr = 'nickname' AND value = ? COLLATE NOCASE AND {_END} > ?"
        f" AND animal_id <> ?",
        (nickname, ts, excluding),
    ).fetchall()
    return [r[0] for r in rows]
