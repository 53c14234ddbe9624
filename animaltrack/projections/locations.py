"""Locations, folded from `LocationCreated`/`Renamed`/`Archived` events (SPEC §3, §5.1).

A farm has a handful of locations and few location events, so every change simply refolds them
all from the log: the table is then right whatever order the events arrived in. Name intervals
keep each name a location has had, so a filter can use the name a place had at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from animaltrack.errors import NotFoundError, ValidationError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.store import EventStore
from animaltrack.projections.base import Batch, Projection

if TYPE_CHECKING:
    from animaltrack.projections.state import FarmState


def active_between(created_ts: int, archived_ts: int | None, ts: int) -> bool:
    """ "Active at T" means `created_ts_utc <= T < archived_ts_utc` (SPEC §3)."""
    return created_ts <= ts and (archived_ts is None or ts < archived_ts)


@dataclass
class LocationRecord:
    id: str
    name: str
    created_ts_utc: int
    archived_ts_utc: int | None = None
    names: list[tuple[str, int]] = None  # (name, start) in order

    def active_at(self, ts: int) -> bool:
        return active_between(self.created_ts_utc, self.archived_ts_utc, ts)


def fold_locations(events: list[Event], check=None) -> dict[str, LocationRecord]:
    """Fold location events in order into records; `check(event, records)` may refuse one.

    The same fold serves the projection and the history rule, so what is stored and what is
    checked can never disagree.
    """
    records: dict[str, LocationRecord] = {}
    for event in events:
        if check is not None:
            check(event, records)
        p = event.payload
        if event.type == t.LOCATION_CREATED:
            records[p["location_id"]] = LocationRecord(
                p["location_id"], p["name"], event.ts_utc, None, [(p["name"], event.ts_utc)]
            )
        elif event.type == t.LOCATION_RENAMED and p["location_id"] in records:
            record = records[p["location_id"]]
            record.name = p["new_name"]
            record.names.append((p["new_name"], event.ts_utc))
        elif event.type == t.LOCATION_ARCHIVED and p["location_id"] in records:
            records[p["location_id"]].archived_ts_utc = event.ts_utc
    return records


def location_events(db) -> list[Event]:
    return EventStore(db).list_events(types=t.LOCATION_EVENT_TYPES)


class LocationProjection(Projection):
    NAME = "locations"
    TABLES = ("locations", "location_name_intervals")
    EVENT_TYPES = t.LOCATION_EVENT_TYPES

    def record(self, event: Event) -> None:
        self.rebuild()

    def unrecord(self, event: Event) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.write(fold_locations(location_events(self.db)))

    def batch(self, log: str) -> Batch:
        return LocationBatch(self)

    def write(self, records: dict[str, LocationRecord]) -> None:
        self.truncate()
        for r in sorted(records.values(), key=lambda r: r.id):
            self.db.execute(
                self.sql(
                    "INSERT INTO {locations} (id, name, active, created_ts_utc, archived_ts_utc)"
                    " VALUES (?, ?, ?, ?, ?)"
                ),
                (r.id, r.name, int(r.archived_ts_utc is None), r.created_ts_utc, r.archived_ts_utc),
            )
            spans = list(zip(r.names, [*r.names[1:], (None, None)], strict=True))
            self.db.conn.executemany(
                self.sql(
                    "INSERT OR REPLACE INTO {location_name_intervals} (location_id, name,"
                    " start_utc, end_utc) VALUES (?, ?, ?, ?)"
                ),
                [(r.id, name, start, nxt_start) for (name, start), (_, nxt_start) in spans],
            )


class LocationBatch(Batch):
    """Gather the location events and fold them once."""

    def __init__(self, projection: LocationProjection):
        super().__init__(projection)
        self.events: list[Event] = []
        self._records: dict[str, LocationRecord] | None = None

    def add(self, event: Event) -> None:
        self.events.append(event)
        self._records = None

    def records(self) -> dict[str, LocationRecord]:
        """The locations as the events so far make them (what the table would hold), folded
        again only after a new location event: the rules ask once per event, and location
        events are few."""
        if self._records is None:
            self._records = fold_locations(self.events)
        return self._records

    def finish(self) -> None:
        self.projection.write(fold_locations(self.events))


# -- readers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    active: bool
    created_ts_utc: int
    archived_ts_utc: int | None

    def active_at(self, ts: int) -> bool:
        return active_between(self.created_ts_utc, self.archived_ts_utc, ts)

    @classmethod
    def of(cls, record: LocationRecord) -> Location:
        """The row `LocationProjection.write` stores for a record, as `get_location` reads it."""
        return cls(
            record.id,
            record.name,
            record.archived_ts_utc is None,
            record.created_ts_utc,
            record.archived_ts_utc,
        )


_COLUMNS = "id, name, active, created_ts_utc, archived_ts_utc"


def get_location(db, location_id: str) -> Location:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM locations WHERE id = ?", (location_id.upper(),)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"There is no location {location_id}.")
    return Location(row[0], row[1], bool(row[2]), row[3], row[4])


def list_locations(db) -> list[Location]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM locations ORDER BY name").fetchall()
    return [Location(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]


def require_active(
    state: FarmState, location_id: str, ts: int, field: str = "location_id"
) -> Location:
    """The location, or a clear refusal when it does not exist or is not active at ts. Read
    through the rules' `FarmState`, so the live path and a batch fold refuse alike."""
    location = state.location(location_id)
    if not location.active_at(ts):
        raise ValidationError(
            f"Location '{location.name}' is not in use at that time (it is archived or did not"
            " exist yet).",
            field=field,
        )
    return location


def location_names_at(db, name: str, ts: int) -> list[str]:
    """Ids of the locations whose name at ts is `name`."""
    rows = db.execute(
        "SELECT location_id FROM location_name_intervals WHERE name = ? COLLATE NOCASE"
        " AND start_utc <= ? AND (end_utc IS NULL OR end_utc > ?)",
        (name, ts, ts),
    ).fetchall()
    return [r[0] for r in rows]
