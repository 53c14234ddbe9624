"""Locations (SPEC §3, §5.1) with their roster, egg statistics and event log."""

from __future__ import annotations

import strawberry

from animaltrack.projections import intervals
from animaltrack.projections.locations import Location as LocationRecord
from animaltrack.queries.events import location_log_page
from schema import arguments
from schema.paging import decode_event_cursor, page_request
from schema.scalars import DateTime
from schema.types.animals import AnimalConnection
from schema.types.events import EventConnection
from schema.types.stats import EggStats


@strawberry.type(description="A place animals live. Active at T means created <= T < archived.")
class Location:
    id: strawberry.ID
    name: str
    active: bool
    created_at: DateTime
    archived_at: DateTime | None

    @classmethod
    def from_record(cls, record: LocationRecord) -> Location:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            active=record.active,
            created_at=record.created_ts_utc,
            archived_at=record.archived_ts_utc,
        )

    @strawberry.field(description="Whether the location is in use at `at`.")
    def active_at(self, at: DateTime) -> bool:
        return self.created_at <= at and (self.archived_at is None or at < self.archived_at)

    @strawberry.field(description="The animals alive here at `at` (default now), by id.")
    def roster(
        self,
        info: strawberry.Info,
        at: DateTime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AnimalConnection:
        ts = arguments.instant(info, at)
        request = page_request(first, after)
        ids = intervals.live_ids_at_location(info.context.db, self.id, ts)
        return AnimalConnection.build(info, ids, ts, request)

    @strawberry.field(description="Egg and feed statistics over the window ending at `at`.")
    def egg_stats(
        self,
        info: strawberry.Info,
        at: DateTime | None = None,
        window_days: int = arguments.DEFAULT_WINDOW_DAYS,
    ) -> EggStats:
        return EggStats.compute(info, self.id, arguments.instant(info, at), window_days)

    @strawberry.field(description="The location's latest events (up to 500), newest first.")
    def event_log(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> EventConnection:
        request = page_request(first, after)
        page = location_log_page(
            info.context.db,
            self.id,
            first=request.first,
            after=decode_event_cursor(request.after),
        )
        return EventConnection.from_page(info, page, request)
