"""Animals as read models: snapshots (latest or at an instant), facets, aliases, timelines.

A snapshot is what the API shows of one animal. The *latest* snapshot comes from
`animal_registry` (and the live roster's tags); a snapshot *at T* is read from the interval
tables as SPEC §7 says: each attribute is the interval with the greatest `start_utc <= T`, so a
dead animal keeps the values (and the location) it last had, and tags are those whose interval
covers T. Every reader takes a list of ids and answers with one query.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from animaltrack.events.store import json_list
from store.migrations import END_OF_TIME_UTC


@dataclass(frozen=True)
class AnimalSnapshot:
    animal_id: str
    species: str
    origin: str
    created_ts_utc: int
    status: str
    location_id: str | None
    sex: str | None
    life_stage: str | None
    repro_status: str | None
    identified: bool
    nickname: str | None
    tags: tuple[str, ...]
    survivor_id: str | None  # set when the animal was merged into another
    at: int | None = None  # None: the latest state


def _snapshot(row, at: int | None) -> AnimalSnapshot:
    return AnimalSnapshot(
        animal_id=row[0],
        species=row[1],
        origin=row[2],
        created_ts_utc=row[3],
        status=row[4],
        location_id=row[5],
        sex=row[6],
        life_stage=row[7],
        repro_status=row[8],
        identified=row[9] in (1, "true"),
        nickname=row[10],
        tags=tuple(json.loads(row[11] or "[]")),
        survivor_id=row[12],
        at=at,
    )


def latest_snapshots(db, animal_ids: Iterable[str]) -> dict[str, AnimalSnapshot]:
    """The latest state of each known animal (unknown ids are absent)."""
    rows = db.execute(
        """
        SELECT r.animal_id, r.species, r.origin, r.created_ts_utc, r.status, r.location_id,
               r.sex, r.life_stage, r.repro_status, r.identified, r.nickname,
               COALESCE(l.tags, '[]'), a.survivor_id
        FROM animal_registry r
        LEFT JOIN live_animals_by_location l ON l.animal_id = r.animal_id
        LEFT JOIN animal_aliases a ON a.alias_id = r.animal_id
        WHERE r.animal_id IN (SELECT value FROM json_each(?))
        """,
        (json_list(animal_ids),),
    ).fetchall()
    return {row[0]: _snapshot(row, None) for row in rows}


def _attr_at(attr: str) -> str:
    return (
        "(SELECT a.value FROM animal_attr_intervals a WHERE a.animal_id = r.animal_id"
        f" AND a.attr = '{attr}' AND a.start_utc <= :ts ORDER BY a.start_utc DESC LIMIT 1)"
    )


_LOCATION_AT = (
    "(SELECT l.location_id FROM animal_location_intervals l WHERE l.animal_id = r.animal_id"
    " AND l.start_utc <= :ts ORDER BY l.start_utc DESC LIMIT 1)"
)

_TAGS_AT = (
    "(SELECT json_group_array(tag) FROM (SELECT g.tag FROM animal_tag_intervals g"
    " WHERE g.animal_id = r.animal_id AND g.start_utc <= :ts"
    f" AND COALESCE(g.end_utc, {END_OF_TIME_UTC}) > :ts ORDER BY g.tag))"
)


def snapshots_at(db, animal_ids: Iterable[str], ts: int) -> dict[str, AnimalSnapshot]:
    """Each animal as it was at ts; animals that did not exist yet at ts are absent."""
    rows = db.execute(
        f"""
        SELECT * FROM (
          SELECT r.animal_id, r.species, r.origin, r.created_ts_utc, {_attr_at("status")} AS status,
                 {_LOCATION_AT}, {_attr_at("sex")}, {_attr_at("life_stage")},
                 {_attr_at("repro_status")}, {_attr_at("identified")}, {_attr_at("nickname")},
                 {_TAGS_AT},
                 (SELECT a.survivor_id FROM animal_aliases a WHERE a.alias_id = r.animal_id
                    AND a.merged_at_utc <= :ts)
          FROM animal_registry r
          WHERE r.animal_id IN (SELECT value FROM json_each(:ids))
        ) WHERE status IS NOT NULL
        """,
        {"ids": json_list(animal_ids), "ts": ts},
    ).fetchall()
    return {row[0]: _snapshot(row, ts) for row in rows}


def locations_at(db, animal_ids: Iterable[str], ts: int) -> dict[str, str]:
    """Where each animal was at ts (a dead animal: where it last was); absent when nowhere yet."""
    rows = db.execute(
        f"""
        SELECT r.animal_id, {_LOCATION_AT} FROM animal_registry r
        WHERE r.animal_id IN (SELECT value FROM json_each(:ids))
        """,
        {"ids": json_list(animal_ids), "ts": ts},
    ).fetchall()
    return {animal: location for animal, location in rows if location is not None}


@dataclass(frozen=True)
class Facets:
    """Roster counts of a set of animals at an instant (SPEC §10.2), largest first."""

    location: list[tuple[str, int]] = field(default_factory=list)
    species: list[tuple[str, int]] = field(default_factory=list)
    sex: list[tuple[str, int]] = field(default_factory=list)
    life_stage: list[tuple[str, int]] = field(default_factory=list)


def facets_at(db, animal_ids: Iterable[str], ts: int) -> Facets:
    """Counts by location, species, sex and life stage of these animals at ts (one query)."""
    rows = db.execute(
        f"""
        SELECT {_LOCATION_AT}, r.species, {_attr_at("sex")}, {_attr_at("life_stage")}
        FROM animal_registry r WHERE r.animal_id IN (SELECT value FROM json_each(:ids))
        """,
        {"ids": json_list(animal_ids), "ts": ts},
    ).fetchall()

    def counts(index: int) -> list[tuple[str, int]]:
        counter = Counter(row[index] for row in rows if row[index] is not None)
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))

    return Facets(location=counts(0), species=counts(1), sex=counts(2), life_stage=counts(3))


@dataclass(frozen=True)
class Alias:
    alias_id: str
    survivor_id: str
    merged_at_utc: int
    event_id: str


def aliases_of(db, survivor_ids: Iterable[str]) -> dict[str, list[Alias]]:
    """The ids merged into each survivor (chains flattened), oldest merge first."""
    rows = db.execute(
        "SELECT alias_id, survivor_id, merged_at_utc, event_id FROM animal_aliases"
        " WHERE survivor_id IN (SELECT value FROM json_each(?))"
        " ORDER BY merged_at_utc, alias_id",
        (json_list(survivor_ids),),
    ).fetchall()
    found: dict[str, list[Alias]] = {}
    for row in rows:
        found.setdefault(row[1], []).append(Alias(*row))
    return found
