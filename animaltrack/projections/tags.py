"""Tag intervals per animal, and tag suggestions (how often and how lately each tag was used).

A tag already active on an animal is not opened again; ending an inactive one does nothing. When
an animal leaves the living its open tags end with it (a correction back to alive does not bring
them back: tags are a farmer's working notes, re-tag if still wanted).
"""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.enums import AnimalStatus
from animaltrack.events.model import Event
from animaltrack.events.store import json_list
from animaltrack.projections.base import Projection, only_these


class TagProjection(Projection):
    NAME = "tags"
    TABLES = ("animal_tag_intervals", "tag_suggestions")
    EVENT_TYPES = frozenset(
        {
            t.ANIMAL_TAGGED,
            t.ANIMAL_TAG_ENDED,
            t.ANIMAL_OUTCOME,
            t.ANIMAL_MERGED,
            t.ANIMAL_STATUS_CORRECTED,
        }
    )
    ANIMAL_ROWS = True
    DEPENDS_ON = ("event_animals",)  # reverting refolds the animals of an event: found there

    # -- event rows: suggestions -------------------------------------------------------------

    def record(self, event: Event) -> None:
        if event.type != t.ANIMAL_TAGGED:
            return
        self.db.execute(
            "INSERT INTO tag_suggestions (tag, use_count, last_used_utc) VALUES (?, 1, ?)"
            " ON CONFLICT(tag) DO UPDATE SET use_count = use_count + 1,"
            " last_used_utc = MAX(last_used_utc, excluded.last_used_utc)",
            (event.payload["tag"], event.ts_utc),
        )

    def unrecord(self, event: Event) -> None:
        if event.type != t.ANIMAL_TAGGED:
            return
        tag = event.payload["tag"]
        latest = self.db.execute(
            "SELECT COUNT(*), MAX(e.ts_utc) FROM events e"
            " WHERE e.type = ? AND json_extract(e.payload, '$.tag') = ? AND e.id <> ?"
            " AND e.id NOT IN (SELECT target_event_id FROM event_tombstones)",
            (t.ANIMAL_TAGGED, tag, event.id),
        ).fetchone()
        if latest[0] == 0:
            self.db.execute("DELETE FROM tag_suggestions WHERE tag = ?", (tag,))
        else:
            self.db.execute(
                "UPDATE tag_suggestions SET use_count = ?, last_used_utc = ? WHERE tag = ?",
                (latest[0], latest[1], tag),
            )

    # -- animal rows: intervals ------------------------------------------------------------

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        p, ts = event.payload, event.ts_utc
        if event.type == t.ANIMAL_TAGGED:
            for animal in only_these(p["resolved_ids"], only):
                self._open(animal, p["tag"], ts)
        elif event.type == t.ANIMAL_TAG_ENDED:
            for animal in only_these(p["resolved_ids"], only):
                self._close(animal, ts, p["tag"])
        elif event.type == t.ANIMAL_OUTCOME:
            for animal in only_these(p["resolved_ids"], only):
                self._close(animal, ts)
        elif event.type == t.ANIMAL_MERGED:
            for animal in only_these(p["merged_ids"], only):
                self._close(animal, ts)
        elif event.type == t.ANIMAL_STATUS_CORRECTED and p["new_status"] != AnimalStatus.ALIVE:
            for animal in only_these(p["animal_ids"], only):
                self._close(animal, ts)

    def forget(self, animal_ids: frozenset[str]) -> None:
        self.db.execute(
            "DELETE FROM animal_tag_intervals WHERE animal_id IN (SELECT value FROM json_each(?))",
            (json_list(animal_ids),),
        )

    def _open(self, animal: str, tag: str, ts: int) -> None:
        self.db.execute(
            "INSERT INTO animal_tag_intervals (animal_id, tag, start_utc, end_utc)"
            " SELECT ?, ?, ?, NULL WHERE NOT EXISTS (SELECT 1 FROM animal_tag_intervals"
            " WHERE animal_id = ? AND tag = ? AND end_utc IS NULL)",
            (animal, tag, ts, animal, tag),
        )

    def _close(self, animal: str, ts: int, tag: str | None = None) -> None:
        """End the animal's open interval of `tag` (or of every tag) at ts."""
        tag_clause = " AND tag = ?" if tag is not None else ""
        params = (tag,) if tag is not None else ()
        self.db.execute(
            "DELETE FROM animal_tag_intervals WHERE animal_id = ? AND end_utc IS NULL"
            f" AND start_utc >= ?{tag_clause}",
            (animal, ts, *params),
        )
        self.db.execute(
            "UPDATE animal_tag_intervals SET end_utc = ? WHERE animal_id = ? AND end_utc IS NULL"
            f"{tag_clause}",
            (ts, animal, *params),
        )
