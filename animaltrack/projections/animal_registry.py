"""The animal registry: one row per animal ever, the live roster, and merge aliases.

`animal_registry` holds each animal's latest state; `live_animals_by_location` holds the animals
alive now (with their tags), the table a barn tablet reads; `animal_aliases` maps every merged id
to its survivor, chains flattened (A→B then B→C gives A→C and B→C).
"""

from __future__ import annotations

import json

from animaltrack.events import types as t
from animaltrack.events.enums import OUTCOME_STATUS, AnimalStatus
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.base import Projection, only_these

_LIVE_COPY = (
    "INSERT OR REPLACE INTO live_animals_by_location (animal_id, location_id, species, sex,"
    " life_stage, repro_status, identified, nickname, tags, since_utc)"
    " SELECT animal_id, location_id, species, sex, life_stage, repro_status, identified,"
    " nickname, '[]', ? FROM animal_registry WHERE animal_id = ?"
)


class AnimalRegistryProjection(Projection):
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
    ANIMAL_ROWS = True
    DEPENDS_ON = ("event_animals",)  # reverting refolds the animals of an event: found there

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        p, ts = event.payload, event.ts_utc
        handler = getattr(self, f"_on_{event.type}")
        animals = only_these(event.animal_ids(), only)
        if not animals:
            return
        handler(event, p, ts, animals)
        self.db.execute(
            "UPDATE animal_registry SET last_event_utc = MAX(last_event_utc, ?)"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (ts, json_list(animals)),
        )

    def forget(self, animal_ids: frozenset[str]) -> None:
        ids = json_list(animal_ids)
        for table, key in (
            ("animal_registry", "animal_id"),
            ("live_animals_by_location", "animal_id"),
            ("animal_aliases", "alias_id"),
        ):
            self.db.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT value FROM json_each(?))", (ids,)
            )

    # -- one handler per event type --------------------------------------------------------

    def _create(self, animals, species, location, sex, life_stage, origin, ts) -> None:
        self.db.conn.executemany(
            "INSERT INTO animal_registry (animal_id, species, sex, repro_status, life_stage,"
            " status, location_id, nickname, identified, origin, created_ts_utc, last_event_utc)"
            " VALUES (?, ?, ?, 'unknown', ?, 'alive', ?, NULL, 0, ?, ?, ?)",
            [(a, species, sex, life_stage, location, origin, ts, ts) for a in animals],
        )
        self.db.conn.executemany(
            "INSERT INTO live_animals_by_location (animal_id, location_id, species, sex,"
            " life_stage, repro_status, identified, nickname, tags, since_utc)"
            " VALUES (?, ?, ?, ?, ?, 'unknown', 0, NULL, '[]', ?)",
            [(a, location, species, sex, life_stage, ts) for a in animals],
        )

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
        ids = json_list(animals)
        self.db.execute(
            "UPDATE animal_registry SET location_id = ?"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (p["to_location_id"], ids),
        )
        self.db.execute(
            "UPDATE live_animals_by_location SET location_id = ?, since_utc = ?"
            " WHERE animal_id IN (SELECT value FROM json_each(?)) AND location_id <> ?",
            (p["to_location_id"], ts, ids, p["to_location_id"]),
        )

    def _set(self, animals, values: dict) -> None:
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        for table in ("animal_registry", "live_animals_by_location"):
            self.db.execute(
                f"UPDATE {table} SET {assignments}"
                " WHERE animal_id IN (SELECT value FROM json_each(?))",
                (*values.values(), json_list(animals)),
            )

    def _on_AnimalAttributesUpdated(self, event, p, ts, animals) -> None:
        self._set(animals, dict(p["set"]))

    def _on_AnimalPromoted(self, event, p, ts, animals) -> None:
        values = {"nickname": p["nickname"], "identified": 1}
        values |= {k: p[k] for k in ("sex", "repro_status") if p.get(k)}
        self._set(animals, values)

    def _on_AnimalTagged(self, event, p, ts, animals) -> None:
        self._retag(animals, lambda tags: sorted(set(tags) | {p["tag"]}))

    def _on_AnimalTagEnded(self, event, p, ts, animals) -> None:
        self._retag(animals, lambda tags: sorted(set(tags) - {p["tag"]}))

    def _retag(self, animals, change) -> None:
        rows = self.db.execute(
            "SELECT animal_id, tags FROM live_animals_by_location"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (json_list(animals),),
        ).fetchall()
        self.db.conn.executemany(
            "UPDATE live_animals_by_location SET tags = ? WHERE animal_id = ?",
            [(json.dumps(change(json.loads(tags))), a) for a, tags in rows],
        )

    def _leave_living(self, animals, status) -> None:
        ids = json_list(animals)
        self.db.execute(
            "UPDATE animal_registry SET status = ?"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (status, ids),
        )
        self.db.execute(
            "DELETE FROM live_animals_by_location"
            " WHERE animal_id IN (SELECT value FROM json_each(?))",
            (ids,),
        )

    def _on_AnimalOutcome(self, event, p, ts, animals) -> None:
        self._leave_living(animals, OUTCOME_STATUS[p["outcome"]])

    def _on_AnimalMerged(self, event, p, ts, animals) -> None:
        merged = [a for a in animals if a != p["survivor_id"]]
        self._leave_living(merged, AnimalStatus.MERGED_INTO)
        survivor = p["survivor_id"]
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO animal_aliases (alias_id, survivor_id, merged_at_utc, event_id)"
            " VALUES (?, ?, ?, ?)",
            [(a, survivor, ts, event.id) for a in merged],
        )
        self.db.execute(
            "UPDATE animal_aliases SET survivor_id = ?"
            " WHERE survivor_id IN (SELECT value FROM json_each(?))",
            (survivor, json_list(merged)),
        )

    def _on_AnimalStatusCorrected(self, event, p, ts, animals) -> None:
        new_status = p["new_status"]
        for animal in animals:
            row = self.db.execute(
                "SELECT status FROM animal_registry WHERE animal_id = ?", (animal,)
            ).fetchone()
            was_alive = row is not None and row[0] == AnimalStatus.ALIVE
            self.db.execute(
                "UPDATE animal_registry SET status = ? WHERE animal_id = ?", (new_status, animal)
            )
            if new_status == AnimalStatus.ALIVE and not was_alive:
                self.db.execute(_LIVE_COPY, (ts, animal))
            elif new_status != AnimalStatus.ALIVE:
                self.db.execute(
                    "DELETE FROM live_animals_by_location WHERE animal_id = ?", (animal,)
                )


def survivor_of(db, animal_id: str) -> str | None:
    """The animal a merged id now lives on as, or None when it was never merged."""
    row = db.execute(
        "SELECT survivor_id FROM animal_aliases WHERE alias_id = ?", (animal_id,)
    ).fetchone()
    return row[0] if row else None


def registry_rows(db, animal_ids) -> dict[str, dict]:
    """Registry rows keyed by animal id (species, created time, current state)."""
    cursor = db.execute(
        "SELECT * FROM animal_registry WHERE animal_id IN (SELECT value FROM json_each(?))",
        (json_list(animal_ids),),
    )
    columns = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
