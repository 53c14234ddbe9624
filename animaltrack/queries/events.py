"""Event lists for the API: filtered pages of the log, a location's log, an animal's timeline.

Every list is newest first, in `(ts_utc, id)` order descending, and pages by keyset: `after` is
the `(ts_utc, id)` of the last event of the previous page. A page costs two queries (the count
and the page); revisions and tombstones are read for many events at once.

A location's events are read from `event_locations`' index `(location_id, ts_utc, event_id)`,
which holds them in the page's order (a row's `ts_utc` is its event's, written with it), so a
page reads its `first` events instead of sorting all of the location's, and the count reads
the index alone unless a filter needs the event itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from animaltrack.events.model import (
    EVENT_COLUMNS,
    REVISION_COLUMNS,
    TOMBSTONE_COLUMNS,
    Event,
    Revision,
    Tombstone,
)
from animaltrack.events.store import json_list
from animaltrack.queries.subjects import events_of_animals

# Clauses name the event's id and time as `{id}` and `{ts}`: `e.id`, `e.ts_utc` when the page
# reads `events` alone, `l.event_id`, `l.ts_utc` when it reads a location's `event_locations`.
_LIVE = "{id} NOT IN (SELECT target_event_id FROM event_tombstones)"
_COLUMNS = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))


@dataclass(frozen=True)
class EventPage:
    events: list[Event]
    total_count: int
    has_next_page: bool


@dataclass
class _Where:
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    # Only the events about this location (read from `event_locations`, see the module doc).
    location_id: str | None = None
    # A clause reads a column of `events` other than the id and time (the count must join it).
    reads_event: bool = False

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self, id_: str, ts: str) -> str:
        clauses = [c.replace("{id}", id_).replace("{ts}", ts) for c in self.clauses]
        return " AND ".join(clauses) if clauses else "1"


def _page(db, where: _Where, first: int, after: tuple[int, str] | None) -> EventPage:
    if where.location_id is None:
        id_, ts, params = "e.id", "e.ts_utc", list(where.params)
        rows_from = count_from = "events e"
    else:
        id_, ts, params = "l.event_id", "l.ts_utc", [where.location_id, *where.params]
        rows_from = "event_locations l CROSS JOIN events e ON e.id = l.event_id"
        count_from = rows_from if where.reads_event else "event_locations l"
        where = _Where(["l.location_id = ?", *where.clauses], reads_event=where.reads_event)
    sql = where.sql(id_, ts)
    (total,) = db.execute(f"SELECT COUNT(*) FROM {count_from} WHERE {sql}", params).fetchone()
    if after is not None:  # a row value: the index is entered at the cursor, not read up to it
        sql += f" AND ({ts}, {id_}) < (?, ?)"
        params += [after[0], after[1]]
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM {rows_from} WHERE {sql} ORDER BY {ts} DESC, {id_} DESC LIMIT ?",
        [*params, first + 1],
    ).fetchall()
    events = [Event.from_row(row) for row in rows[:first]]
    return EventPage(events=events, total_count=total, has_next_page=len(rows) > first)


def _of_types(where: _Where, types: Iterable[str]) -> None:
    where.add("e.type IN (SELECT value FROM json_each(?))", json_list(types))
    where.reads_event = True


def events_page(
    db,
    *,
    first: int,
    after: tuple[int, str] | None = None,
    types: Iterable[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    location_id: str | None = None,
    animal_id: str | None = None,
    include_deleted: bool = False,
) -> EventPage:
    """A page of the log. `since`/`until` bound `ts_utc` inclusively. Deleted events are left
    out unless `include_deleted`; the location and animal filters use the live indexes, so
    they never match a deleted event."""
    where = _Where()
    if types is not None:
        _of_types(where, types)
    if since is not None:
        where.add("{ts} >= ?", since)
    if until is not None:
        where.add("{ts} <= ?", until)
    where.location_id = location_id
    if animal_id is not None:
        sql, params = events_of_animals([animal_id])
        where.add(f"{{id}} IN ({sql})", *params)
    if not include_deleted and location_id is None:
        # (A location's `event_locations` rows are live events only, as `location_log_page`
        # relies on: a delete takes its event's rows away. No need to probe the tombstones.)
        where.add(_LIVE)
    return _page(db, where, first, after)


def location_log_page(
    db, location_id: str, *, first: int, after: tuple[int, str] | None = None
) -> EventPage:
    """The events about a location (`event_locations`, SPEC §6.1)."""
    return _page(db, _Where(location_id=location_id), first, after)


def animal_timeline_page(
    db,
    animal_id: str,
    *,
    first: int,
    after: tuple[int, str] | None = None,
    types: Iterable[str] | None = None,
) -> EventPage:
    """The events of an animal and of the animals merged into it (SPEC §10.2), only of
    `types` when given (a laying duck's timeline is mostly egg collections)."""
    aliases = [
        r[0]
        for r in db.execute(
            "SELECT alias_id FROM animal_aliases WHERE survivor_id = ?", (animal_id,)
        )
    ]
    sql, params = events_of_animals([animal_id, *aliases])
    where = _Where()
    where.add(f"{{id}} IN ({sql})", *params)
    if types is not None:
        _of_types(where, types)
    return _page(db, where, first, after)


def events_by_ids(db, event_ids: Iterable[str]) -> dict[str, Event]:
    """The latest version of each event, deleted or not (unknown ids are absent)."""
    rows = db.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))",
        (json_list(event_ids),),
    ).fetchall()
    return {row[0]: Event.from_row(row) for row in rows}


def tombstones_for(db, event_ids: Iterable[str]) -> dict[str, Tombstone]:
    """The tombstone of each deleted event among these, keyed by the deleted event's id."""
    rows = db.execute(
        f"SELECT {TOMBSTONE_COLUMNS} FROM event_tombstones"
        " WHERE target_event_id IN (SELECT value FROM json_each(?))",
        (json_list(event_ids),),
    ).fetchall()
    return {row[3]: Tombstone(*row) for row in rows}


def revisions_for(db, event_ids: Iterable[str]) -> dict[str, list[Revision]]:
    """The prior versions of each edited event, oldest first."""
    rows = db.execute(
        f"SELECT {REVISION_COLUMNS} FROM event_revisions r JOIN events e ON e.id = r.event_id"
        " WHERE r.event_id IN (SELECT value FROM json_each(?)) ORDER BY r.event_id, r.version",
        (json_list(event_ids),),
    ).fetchall()
    found: dict[str, list[Revision]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(Revision.from_row(row))
    return found
