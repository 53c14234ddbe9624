"""Locations (SPEC §3, §5.1) with their roster, egg statistics and event log."""

from __future__ import annotations

from typing import Annotated

import strawberry

from animaltrack.projections import intervals
from animaltrack.projections.locations import Location as LocationRecord
from animaltrack.queries.events import location_log_page
from schema import arguments, docs
from schema.paging import decode_event_cursor, page_request
from schema.scalars import DateTime
from schema.types.animals import AnimalConnection
from schema.types.events import EventConnection
from schema.types.stats import EggStats


@strawberry.type(
    description="A place animals live, such as a strip of pasture or a nursery. It is active"
    " from its creation until it is archived."
)
class Location:
    id: strawberry.ID = strawberry.field(description="The location's id (a ULID).")
    name: str = strawberry.field(
        description="Its current name, unique among locations ignoring case."
    )
    active: bool = strawberry.field(description="Whether it is in use now (not archived).")
    created_at: DateTime = strawberry.field(description="When it was created (UTC).")
    archived_at: DateTime | None = strawberry.field(
        description="When it was archived (UTC); null while in use."
    )

    @classmethod
    def from_record(cls, record: LocationRecord) -> Location:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            active=record.active,
            created_at=record.created_ts_utc,
            archived_at=record.archived_ts_utc,
        )

    @strawberry.field(
        description="Whether the location was in use at `at`: created at or before it and not"
        " yet archived."
    )
    def active_at(
        self, at: Annotated[DateTime, strawberry.argument(description="The instant to look at.")]
    ) -> bool:
        return self.created_at <= at and (self.archived_at is None or at < self.archived_at)

    @strawberry.field(
        description="The animals alive here at `at` (default now), in id order, with their"
        " count, hash and facets."
    )
    def roster(
        self,
        info: strawberry.Info,
        at: Annotated[DateTime | None, strawberry.argument(description=docs.AT)] = None,
        first: Annotated[int | None, strawberry.argument(description=docs.FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=docs.AFTER)] = None,
    ) -> AnimalConnection:
        ts = arguments.instant(info, at)
        request = page_request(first, after)
        ids = intervals.live_ids_at_location(info.context.db, self.id, ts)
        return AnimalConnection.build(info, ids, ts, request)

    @strawberry.field(
        description="Eggs, feed, feed cost and bird time here over the `windowDays` days"
        " before `at`."
    )
    def egg_stats(
        self,
        info: strawberry.Info,
        at: Annotated[
            DateTime | None,
            strawberry.argument(description="The end of the window, excluded (default: now)."),
        ] = None,
        window_days: Annotated[int, strawberry.argument(description=docs.WINDOW_DAYS)] = (
            arguments.DEFAULT_WINDOW_DAYS
        ),
    ) -> EggStats:
        return EggStats.compute(info, self.id, arguments.instant(info, at), window_days)

    @strawberry.field(
        description="The events about this location, newest first: those that name it and"
        " those about animals that were here at the time. Deleted events are left out."
    )
    def event_log(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=docs.FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=docs.AFTER)] = None,
    ) -> EventConnection:
        request = page_request(first, after)
        page = location_log_page(
            info.context.db,
            self.id,
            first=request.first,
            after=decode_event_cursor(request.after),
        )
        return EventConnection.from_page(info, page, request)
