"""The animal registry: one row per animal ever, the live roster, and merge aliases.

`animal_registry` holds each animal's latest state; `live_animals_by_location` holds the animals
alive now (with their tags), the table a barn tablet reads; `animal_aliases` maps every merged id
to its survivor, chains flattened (A→B then B→C gives A→C and B→C).

The rules are written once (`RegistryRules`) over a state interface with two implementations:
`SqlRegistry` over the tables (the live path) and `MemoryRegistry` (the batch build).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

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

REGISTRY_COLUMNS = (
    "animal_id",
    "species",
    "sex",
    "repro_status",
    "life_stage",
    "status",
    "location_id",
    "nickname",
    "identified",
    "origin",
    "created_ts_utc",
    "last_event_utc",
)
LIVE_COLUMNS = (
    "animal_id",
    "location_id",
    "species",
    "sex",
    "life_stage",
    "repro_status",
    "identified",
    "nickname",
    "tags",
    "since_utc",
)
ALIAS_COLUMNS = ("alias_id", "survivor_id", "merged_at_utc", "event_id")


class RegistryState:
    """What the registry rules read and write: registry rows, live rows, aliases."""

    def create(self, rows: list[dict]) -> None:
        """New animals: registry rows (every column of `REGISTRY_COLUMNS`) and live rows."""
        raise NotImplementedError

    def set_location(self, animals: list[str], location: str, ts: int) -> None:
        """Animals now at `location`; a live row that changes place is there since ts."""
        raise NotImplementedError

    def set_values(self, animals: list[str], values: dict) -> None:
        """Set descriptive columns on the registry and live rows."""
        raise NotImplementedError

    def retag(self, animals: list[str], change: Callable[[list[str]], list[str]]) -> None:
        """Replace the live rows' tags with `change(tags)`."""
        raise NotImplementedError

    def set_status(self, animals: list[str], status: str) -> None:
        raise NotImplementedError

    def status_of(self, animal: str) -> str | None:
        raise NotImplementedError

    def drop_live(self, animals: list[str]) -> None:
        raise NotImplementedError

    def copy_to_live(self, animal: str, ts: int) -> None:
        """A live row from the registry row, untagged, there since ts."""
        raise NotImplementedError

    def merge(self, merged: list[str], survivor: str, ts: int, event_id: str) -> None:
        """Alias the merged ids to the survivor, and whatever was aliased to them too."""
        raise NotImplementedError

    def touch(self, animals: list[str], ts: int) -> None:
        """`last_event_utc` at least ts."""
        raise NotImplementedError


class RegistryRules:
    """How each event type changes the registry: the one definition, over any `RegistryState`."""

    def __init__(self, state: RegistryState):
        self.state = state

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        animals = only_these(event.animal_ids(), only)
        if not animals:
            return
        getattr(self, f"_on_{event.type}")(event, event.payload, event.ts_utc, animals)
        self.state.touch(animals, event.ts_utc)

    def _create(self, animals, species, location, sex, life_stage, origin, ts) -> None:
        values = {
            "species": species,
            "sex": sex,
            "repro_status": "unknown",
            "life_stage": life_stage,
            "status": AnimalStatus.ALIVE,
            "location_id": location,
            "nickname": None,
            "identified": 0,
            "origin": origin,
            "created_ts_utc": ts,
            "last_event_utc": ts,
        }
        self.state.create([{"animal_id": a, **values} for a in animals])

    def _on_AnimalCohortCreated(self, event, p, ts, animals) -> None:
        self._create(
            animals,
            p["species"],
            p["location_id"],
            p.get("sex", "unknown"),
            p["life_stage"],
            p.get("origin", "unknown"),
            ts,
        )

    def _on_HatchRecorded(self, event, p, ts, animals) -> None:
        location = p.get("assigned_brood_location_id") or p["location_id"]
        self._create(animals, p["species"], location, "unknown", "hatchling", "hatched", ts)

    def _on_AnimalMoved(self, event, p, ts, animals) -> None:
        self.state.set_location(animals, p["to_location_id"], ts)

    def _on_AnimalAttributesUpdated(self, event, p, ts, animals) -> None:
        if p["set"]:
            self.state.set_values(animals, dict(p["set"]))

    def _on_AnimalPromoted(self, event, p, ts, animals) -> None:
        values = {"nickname": p["nickname"], "identified": 1}
        values |= {k: p[k] for k in ("sex", "repro_status") if p.get(k)}
        self.state.set_values(animals, values)

    def _on_AnimalTagged(self, event, p, ts, animals) -> None:
        self.state.retag(animals, lambda tags: sorted(set(tags) | {p["tag"]}))

    def _on_AnimalTagEnded(self, event, p, ts, animals) -> None:
        self.state.retag(animals, lambda tags: sorted(set(tags) - {p["tag"]}))

    def _leave_living(self, animals, status) -> None:
        self.state.set_status(animals, status)
        self.state.drop_live(animals)

    def _on_AnimalOutcome(self, event, p, ts, animals) -> None:
        self._leave_living(animals, OUTCOME_STATUS[p["outcome"]])

    def _on_AnimalMerged(self, event, p, ts, animals) -> None:
        merged = [a for a in animals if a != p["survivor_id"]]
        self._leave_living(merged, AnimalStatus.MERGED_INTO)
        self.state.merge(merged, p["survivor_id"], ts, event.id)

    def _on_AnimalStatusCorrected(self, event, p, ts, animals) -> None:
        new_status = p["new_status"]
        for animal in animals:
            was_alive = self.state.status_of(animal) == AnimalStatus.ALIVE
            self.state.set_status([animal], new_status)
            if new_status == AnimalStatus.ALIVE and not was_alive:
                self.state.copy_to_live(animal, ts)
            elif new_status != AnimalStatus.ALIVE:
                self.state.drop_live([animal])


class SqlRegistry(RegistryState):
    """The registry in its tables (the live path)."""

    def __init__(self, projection: Projection):
        self.db = projection.db
        self.sql = projection.sql

    def _each(self, statement: str, params: tuple, animals) -> None:
        """Run `statement`, whose last parameter is the animals as a JSON list."""
        self.db.execute(self.sql(statement), (*params, json_list(animals)))

    def create(self, rows):
        insert_rows(
            self.db,
            self.sql("{animal_registry}"),
            REGISTRY_COLUMNS,
            [tuple(r[c] for c in REGISTRY_COLUMNS) for r in rows],
        )
        insert_rows(
            self.db,
            self.sql("{live_animals_by_location}"),
            LIVE_COLUMNS,
            [_live_row(r, r["created_ts_utc"]) for r in rows],
        )

    def set_location(self, animals, location, ts):
        self._each(
            "UPDATE {animal_registry} SET location_id = ?"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (location,),
            animals,
        )
        self.db.execute(
            self.sql(
                "UPDATE {live_animals_by_location} SET location_id = ?, since_utc = ?"
                " WHERE animal_id IN (SELECT value FROM json_each(?)) AND location_id <> ?"
            ),
            (location, ts, json_list(animals), location),
        )

    def set_values(self, animals, values):
        assignments = ", ".join(f"{column} = ?" for column in values)
        for table in ("{animal_registry}", "{live_animals_by_location}"):
            self._each(
                f"UPDATE {table} SET {assignments}"
                " WHERE animal_id IN (SELECT value FROM json_each(?))",
                tuple(values.values()),
                animals,
            )

    def retag(self, animals, change):
        rows = self.db.execute(
            self.sql(
                "SELECT animal_id, tags FROM {live_animals_by_location}"
                " WHERE animal_id IN (SELECT value FROM json_each(?))"
            ),
            (json_list(animals),),
        ).fetchall()
        self.db.conn.executemany(
            self.sql("UPDATE {live_animals_by_location} SET tags = ? WHERE animal_id = ?"),
            [(json.dumps(change(json.loads(tags))), a) for a, tags in rows],
        )

    def set_status(self, animals, status):
        self._each(
            "UPDATE {animal_registry} SET status = ?"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (status,),
            animals,
        )

    def status_of(self, animal):
        row = self.db.execute(
            self.sql("SELECT status FROM {animal_registry} WHERE animal_id = ?"), (animal,)
        ).fetchone()
        return row[0] if row else None

    def drop_live(self, animals):
        self._each(
            "DELETE FROM {live_animals_by_location}"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (),
            animals,
        )

    def copy_to_live(self, animal, ts):
        columns = ", ".join(LIVE_COLUMNS)
        self.db.execute(
            self.sql(
                f"INSERT OR REPLACE INTO {{live_animals_by_location}} ({columns})"
                " SELECT animal_id, location_id, species, sex, life_stage, repro_status,"
                " identified, nickname, '[]', ? FROM {animal_registry} WHERE animal_id = ?"
            ),
            (ts, animal),
        )

    def merge(self, merged, survivor, ts, event_id):
        self.db.conn.executemany(
            self.sql(
                "INSERT OR REPLACE INTO {animal_aliases}"
                " (alias_id, survivor_id, merged_at_utc, event_id) VALUES (?, ?, ?, ?)"
            ),
            [(a, survivor, ts, event_id) for a in merged],
        )
        self._each(
            "UPDATE {animal_aliases} SET survivor_id = ?"
            " WHERE survivor_id IN (SELECT value FROM json_each(?))",
            (survivor,),
            merged,
        )

    def touch(self, animals, ts):
        self._each(
            "UPDATE {animal_registry} SET last_event_utc = MAX(last_event_utc, ?)"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (ts,),
            animals,
        )


def _live_row(registry_row: dict, since: int, tags="[]") -> tuple:
    """A live row of an animal, from its registry row (or its live row)."""
    return tuple(
        {**registry_row, "tags": tags, "since_utc": since}[column] for column in LIVE_COLUMNS
    )


class MemoryRegistry(RegistryState):
    """Every animal's rows in memory (the batch build), loaded in primary-key order after; a
    live row keeps its tags as a sorted list until then."""

    def __init__(self) -> None:
        self.registry: dict[str, dict] = {}
        self.live: dict[str, dict] = {}
        self.aliases: dict[str, list] = {}

    def _rows(self, table: dict[str, dict], animals) -> Iterator[dict]:
        return (row for a in animals if (row := table.get(a)) is not None)

    def create(self, rows):
        for row in rows:
            self.registry[row["animal_id"]] = dict(row)
            self.copy_to_live(row["animal_id"], row["created_ts_utc"])

    def set_location(self, animals, location, ts):
        for row in self._rows(self.registry, animals):
            row["location_id"] = location
        for row in self._rows(self.live, animals):
            if row["location_id"] != location:
                row["location_id"], row["since_utc"] = location, ts

    def set_values(self, animals, values):
        for table in (self.registry, self.live):
            for row in self._rows(table, animals):
                row.update(values)

    def retag(self, animals, change):
        for row in self._rows(self.live, animals):
            row["tags"] = change(row["tags"])

    def set_status(self, animals, status):
        for row in self._rows(self.registry, animals):
            row["status"] = status

    def status_of(self, animal):
        row = self.registry.get(animal)
        return row["status"] if row else None

    def drop_live(self, animals):
        for animal in animals:
            self.live.pop(animal, None)

    def copy_to_live(self, animal, ts):
        if (row := self.registry.get(animal)) is not None:
            self.live[animal] = dict(zip(LIVE_COLUMNS, _live_row(row, ts, []), strict=True))

    def merge(self, merged, survivor, ts, event_id):
        for animal in merged:
            self.aliases[animal] = [animal, survivor, ts, event_id]
        gone = set(merged)
        for alias in self.aliases.values():
            if alias[1] in gone:
                alias[1] = survivor

    def touch(self, animals, ts):
        for row in self._rows(self.registry, animals):
            row["last_event_utc"] = max(row["last_event_utc"], ts)

    # -- readers: the in-memory twins of `registry_rows` and `survivor_of` below ---------------

    def species_of(self, animal_ids) -> dict[str, str]:
        """The species of each animal ever recorded (others absent)."""
        return {row["animal_id"]: row["species"] for row in self._rows(self.registry, animal_ids)}

    def survivor_of(self, animal_id: str) -> str | None:
        alias = self.aliases.get(animal_id)
        return alias[1] if alias else None


class AnimalRegistryProjection(RuledProjection):
    NAME = "animal_registry"
    TABLES = ("animal_registry", "live_animals_by_location", "animal_aliases")
    EVENT_TYPES = frozenset(
        {
            t.ANIMAL_COHORT_CREATED,
            t.HATCH_RECORDED,
            t.ANIMAL_MOVED,
            t.ANIMAL_ATTRIBUTES_UPDATED,
            t.ANIMAL_TAGGED,
            t.ANIMAL_TAG_ENDED,
            t.ANIMAL_PROMOTED,
            t.ANIMAL_OUTCOME,
            t.ANIMAL_MERGED,
            t.ANIMAL_STATUS_CORRECTED,
        }
    )
    RULES, SQL_STATE, MEMORY_STATE = RegistryRules, SqlRegistry, MemoryRegistry

    def forget(self, animal_ids: frozenset[str]) -> None:
        ids = json_list(animal_ids)
        for table, key in (
            ("animal_registry", "animal_id"),
            ("live_animals_by_location", "animal_id"),
            ("animal_aliases", "alias_id"),
        ):
            self.db.execute(
                f"DELETE FROM {self.names[table]} WHERE {key} IN (SELECT value FROM json_each(?))",
                (ids,),
            )

    def batch(self, log: str) -> Batch:
        return RegistryBatch(self)


class RegistryBatch(MemoryFold):
    """Fold every animal's rows in memory, then load them in primary-key order."""

    def finish(self) -> None:
        p, memory = self.projection, self.memory
        for table, columns, rows in (
            ("animal_registry", REGISTRY_COLUMNS, memory.registry),
            ("live_animals_by_location", LIVE_COLUMNS, memory.live),
            ("animal_aliases", ALIAS_COLUMNS, memory.aliases),
        ):
            ordered = (rows[key] for key in sorted(rows))
            if table == "animal_aliases":
                values = (tuple(row) for row in ordered)
            elif table == "live_animals_by_location":
                values = (
                    _live_row(row, row["since_utc"], json.dumps(row["tags"])) for row in ordered
                )
            else:
                values = (tuple(row[c] for c in columns) for row in ordered)
            insert_rows(p.db, p.names[table], columns, values)


def survivor_of(db, animal_id: str) -> str | None:
    """The animal a merged id now lives on as, or None when it was never merged."""
    row = db.execute(
        "SELECT survivor_id FROM animal_aliases WHERE alias_id = ?", (animal_id,)
    ).fetchone()
    return row[0] if row else None


def species_by_id(db, animal_ids) -> dict[str, str]:
    """The species of each known animal (unknown ids are absent): the registry's one column a
    collection's producers need, without building every row."""
    return dict(
        db.execute(
            "SELECT animal_id, species FROM animal_registry"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (json_list(animal_ids),),
        ).fetchall()
    )


def registry_rows(db, animal_ids) -> dict[str, dict]:
    """Registry rows keyed by animal id (species, created time, current state)."""
    cursor = db.execute(
        "SELECT * FROM animal_registry WHERE animal_id IN (SELECT value FROM json_each(?))",
        (json_list(animal_ids),),
    )
    columns = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
