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
from animaltrack.projections.base import (
    Batch,
    MemoryFold,
    Projection,
    RuledProjection,
    insert_rows,
    only_these,
)


class TagState:
    """What the tag rules read and write: each animal's tag intervals."""

    def open(self, animal: str, tag: str, ts: int) -> None:
        """Open an interval of `tag` from ts unless one is open."""
        raise NotImplementedError

    def close(self, animal: str, ts: int, tag: str | None) -> None:
        """End the animal's open interval of `tag` (or of every tag) at ts; drop those begun at
        ts or later."""
        raise NotImplementedError


class TagRules:
    """How each event type changes tag intervals: the one definition, over any `TagState`."""

    def __init__(self, state: TagState):
        self.state = state

    def fold(self, event: Event, only: frozenset[str] | None) -> None:
        p, ts = event.payload, event.ts_utc
        if event.type == t.ANIMAL_TAGGED:
            for animal in only_these(p["resolved_ids"], only):
                self.state.open(animal, p["tag"], ts)
        elif event.type == t.ANIMAL_TAG_ENDED:
            for animal in only_these(p["resolved_ids"], only):
                self.state.close(animal, ts, p["tag"])
        elif event.type == t.ANIMAL_OUTCOME:
            for animal in only_these(p["resolved_ids"], only):
                self.state.close(animal, ts, None)
        elif event.type == t.ANIMAL_MERGED:
            for animal in only_these(p["merged_ids"], only):
                self.state.close(animal, ts, None)
        elif event.type == t.ANIMAL_STATUS_CORRECTED and p["new_status"] != AnimalStatus.ALIVE:
            for animal in only_these(p["animal_ids"], only):
                self.state.close(animal, ts, None)


class SqlTags(TagState):
    def __init__(self, projection: Projection):
        self.db = projection.db
        self.sql = projection.sql

    def open(self, animal, tag, ts):
        self.db.execute(
            self.sql(
                "INSERT INTO {animal_tag_intervals} (animal_id, tag, start_utc, end_utc)"
                " SELECT ?, ?, ?, NULL WHERE NOT EXISTS (SELECT 1 FROM {animal_tag_intervals}"
                " WHERE animal_id = ? AND tag = ? AND end_utc IS NULL)"
            ),
            (animal, tag, ts, animal, tag),
        )

    def close(self, animal, ts, tag):
        tag_clause = " AND tag = ?" if tag is not None else ""
        params = (tag,) if tag is not None else ()
        self.db.execute(
            self.sql(
                "DELETE FROM {animal_tag_intervals} WHERE animal_id = ? AND end_utc IS NULL"
                " AND start_utc >= ?"
            )
            + tag_clause,
            (animal, ts, *params),
        )
        self.db.execute(
            self.sql(
                "UPDATE {animal_tag_intervals} SET end_utc = ?"
                " WHERE animal_id = ? AND end_utc IS NULL"
            )
            + tag_clause,
            (ts, animal, *params),
        )


class MemoryTags(TagState):
    """Every animal's tag intervals in memory: open ones by tag, closed ones in a list."""

    def __init__(self) -> None:
        self.opened: dict[str, dict[str, int]] = {}
        self.closed: dict[str, list[tuple]] = {}

    def open(self, animal, tag, ts):
        self.opened.setdefault(animal, {}).setdefault(tag, ts)

    def close(self, animal, ts, tag):
        opened = self.opened.get(animal, {})
        for each in [tag] if tag is not None else list(opened):
            start = opened.pop(each, None)
            if start is not None and start < ts:
                self.closed.setdefault(animal, []).append((each, start, ts))

    def rows(self) -> list[tuple]:
        rows = [
            (a, tag, start, None) for a, tags in self.opened.items() for tag, start in tags.items()
        ]
        rows += [
            (a, tag, start, end) for a, spans in self.closed.items() for tag, start, end in spans
        ]
        rows.sort(key=lambda r: r[:3])
        return rows


class TagProjection(RuledProjection):
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
    RULES, SQL_STATE, MEMORY_STATE = TagRules, SqlTags, MemoryTags

    # -- event rows: suggestions -------------------------------------------------------------

    def record(self, event: Event) -> None:
        if event.type != t.ANIMAL_TAGGED:
            return
        self.db.execute(
            self.sql(
                "INSERT INTO {tag_suggestions} (tag, use_count, last_used_utc) VALUES (?, 1, ?)"
                " ON CONFLICT(tag) DO UPDATE SET use_count = use_count + 1,"
                " last_used_utc = MAX(last_used_utc, excluded.last_used_utc)"
            ),
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
            self.db.execute(self.sql("DELETE FROM {tag_suggestions} WHERE tag = ?"), (tag,))
        else:
            self.db.execute(
                self.sql(
                    "UPDATE {tag_suggestions} SET use_count = ?, last_used_utc = ? WHERE tag = ?"
                ),
                (latest[0], latest[1], tag),
            )

    # -- animal rows: intervals ------------------------------------------------------------

    def forget(self, animal_ids: frozenset[str]) -> None:
        self.db.execute(
            self.sql(
                "DELETE FROM {animal_tag_intervals}"
                " WHERE animal_id IN (SELECT value FROM json_each(?))"
            ),
            (json_list(animal_ids),),
        )

    def batch(self, log: str) -> Batch:
        return TagBatch(self)


class TagBatch(MemoryFold):
    """Fold tag intervals in memory and count suggestions; load both in primary-key order."""

    def __init__(self, projection: TagProjection):
        super().__init__(projection)
        self.suggestions: dict[str, list[int]] = {}

    def add(self, event: Event) -> None:
        if event.type == t.ANIMAL_TAGGED:
            used = self.suggestions.setdefault(event.payload["tag"], [0, event.ts_utc])
            used[0] += 1
            used[1] = max(used[1], event.ts_utc)
        super().add(event)

    def finish(self) -> None:
        p = self.projection
        insert_rows(
            p.db,
            p.names["animal_tag_intervals"],
            ("animal_id", "tag", "start_utc", "end_utc"),
            self.memory.rows(),
        )
        insert_rows(
            p.db,
            p.names["tag_suggestions"],
            ("tag", "use_count", "last_used_utc"),
            [(tag, *used) for tag, used in sorted(self.suggestions.items())],
        )
