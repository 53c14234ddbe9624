"""Root queries (SPEC §13). Thin: arguments → domain readers / loaders → schema types.

A single-item lookup of an unknown or malformed id is null. A bad argument (a filter that does
not parse, a negative window, `first` above the cap) raises a domain error, which
`schema/errors.py` turns into a GraphQL error with `extensions.code`.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from animaltrack.errors import ValidationError
from animaltrack.events.ids import normalize_ulid
from animaltrack.projections.locations import list_locations
from animaltrack.queries.events import events_page
from animaltrack.queries.log import changes_page
from animaltrack.reference import list_rows
from animaltrack.selection import compute_roster_hash, parse_filter, resolve_filter
from animaltrack.services.flock import get_daily_series, get_flock_figures
from animaltrack.services.readmodels import (
    average_sale_price,
    feed_inventory,
    harvest_yield_totals,
)
from animaltrack.services.stats import DEFAULT_TIMEZONE
from resolvers.context import Info
from schema import arguments, docs
from schema.enums import EventType
from schema.paging import decode_event_cursor, page_request
from schema.scalars import DateTime, Long
from schema.types.animals import Animal, AnimalConnection, Selection
from schema.types.events import Event, EventConnection
from schema.types.flock import DailySeries, FlockFigures
from schema.types.locations import Location
from schema.types.log import LogChangePage
from schema.types.reference import FeedType, Product, Species, User
from schema.types.sales import HarvestYield, Sales
from schema.types.stats import EggStats, FeedStock

ID = strawberry.ID

_LOOKUP_ID = "The id (a ULID, any case); an unknown or malformed id gives null."


def _arg(description: str):
    return strawberry.argument(description=description)


def _hashed_location(from_location_id: str | None, location_id: str | None) -> str | None:
    """The location a selection hashes (SPEC §9.2): a move's source, or a collection's place."""
    source = normalize_ulid(from_location_id, "from_location_id") if from_location_id else None
    place = normalize_ulid(location_id, "location_id") if location_id else None
    if source and place and source != place:
        raise ValidationError(
            "Give fromLocationId for a move or locationId for a collection, not both.",
            field="location_id",
        )
    return source or place


@strawberry.type(
    description="What can be read. Times are UTC instants; calendar days are in the farm's time"
    " zone (Europe/Lisbon by default)."
)
class Query:
    @strawberry.field(
        description="The user this request is authenticated as; null when there is none."
    )
    def me(self, info: Info) -> User | None:
        user = info.context.user
        return User.from_user(user) if user is not None else None

    @strawberry.field(description="Every species, active or not, by code.")
    def species(self, info: Info) -> list[Species]:
        return [Species.from_row(row) for row in list_rows(info.context.db, "species")]

    @strawberry.field(description="Every product, active or not, by code.")
    def products(self, info: Info) -> list[Product]:
        return [Product.from_row(row) for row in list_rows(info.context.db, "products")]

    @strawberry.field(description="Every feed type, active or not, by code.")
    def feed_types(self, info: Info) -> list[FeedType]:
        return [FeedType.from_row(row) for row in list_rows(info.context.db, "feed_types")]

    @strawberry.field(description="Every location, archived ones included, by name.")
    def locations(self, info: Info) -> list[Location]:
        return [Location.from_record(r) for r in list_locations(info.context.db)]

    @strawberry.field(description="One location by id; null when there is none.")
    def location(self, info: Info, id: Annotated[ID, _arg(_LOOKUP_ID)]) -> Location | None:
        record = info.context.loaders.location.load(arguments.lookup_id(id))
        return Location.from_record(record) if record else None

    @strawberry.field(
        description="The animals a filter selects at `at` (default now), a page at a time in"
        " id order, with their count, roster hash and facets. A filter that does not parse is"
        " an error with code FILTER_SYNTAX and the `position` of the problem."
    )
    def animals(
        self,
        info: Info,
        filter: Annotated[str, _arg(docs.FILTER)] = "",
        at: Annotated[DateTime | None, _arg(docs.AT)] = None,
        first: Annotated[int | None, _arg(docs.FIRST)] = None,
        after: Annotated[str | None, _arg(docs.AFTER)] = None,
    ) -> AnimalConnection:
        ts = arguments.instant(info, at)
        request = page_request(first, after)
        result = resolve_filter(info.context.db, parse_filter(filter), ts)
        return AnimalConnection.build(info, result.animal_ids, ts, request)

    @strawberry.field(
        description="One animal: its latest state, or its state at `at`; null when there is"
        " none (or it did not exist yet at `at`). A merged animal is still found by its own id."
    )
    def animal(
        self,
        info: Info,
        id: Annotated[ID, _arg(_LOOKUP_ID)],
        at: Annotated[
            DateTime | None, _arg("The instant to look at; omit for the latest state.")
        ] = None,
    ) -> Animal | None:
        animal_id, loaders = arguments.lookup_id(id), info.context.loaders
        if at is None:
            snapshot = loaders.animal.load(animal_id)
        else:
            snapshot = loaders.animal_at.load((animal_id, at) if animal_id else None)
        return Animal.from_snapshot(snapshot) if snapshot else None

    @strawberry.field(
        description="What a client asks before a selection mutation (moveAnimals,"
        " updateAttributes, addTag, endTag, recordOutcome, collectProduct): every animal the"
        " filter selects at `at`, with the roster hash the mutation will check. Give the"
        " mutation's `fromLocationId` (a move) or `locationId` (a collection), else neither."
    )
    def selection(
        self,
        info: Info,
        filter: Annotated[str, _arg(docs.FILTER)],
        at: Annotated[
            DateTime | None,
            _arg(
                "The instant to resolve the filter at: the `tsUtc` the mutation will carry"
                " (default: now)."
            ),
        ] = None,
        from_location_id: Annotated[
            ID | None, _arg("For a move: the `fromLocationId` the move will carry, if any.")
        ] = None,
        location_id: Annotated[
            ID | None, _arg("For a collection: the `locationId` it will carry.")
        ] = None,
    ) -> Selection:
        ts = arguments.instant(info, at)
        hashed = _hashed_location(from_location_id, location_id)
        ast = parse_filter(filter)
        result = resolve_filter(info.context.db, ast, ts)
        return Selection(
            filter=filter,
            animal_ids=result.animal_ids,
            count=len(result.animal_ids),
            roster_hash=compute_roster_hash(result.animal_ids, hashed),
            at=ts,
        )

    @strawberry.field(
        description="The log's events, newest first (by `tsUtc`, then id), narrowed by every"
        " argument given."
    )
    def events(
        self,
        info: Info,
        types: Annotated[
            list[EventType] | None, _arg("Only events of these types (default: all).")
        ] = None,
        since: Annotated[
            DateTime | None, _arg("Only events that happened at or after this instant.")
        ] = None,
        until: Annotated[
            DateTime | None, _arg("Only events that happened at or before this instant.")
        ] = None,
        location_id: Annotated[
            ID | None,
            _arg(
                "Only events about this location: naming it, or about animals that were there"
                " at the time."
            ),
        ] = None,
        animal_id: Annotated[
            ID | None,
            _arg(
                "Only events about this animal: creating or naming it, or collections it is a"
                " producer of."
            ),
        ] = None,
        include_deleted: Annotated[
            bool,
            _arg(
                "Also list deleted events (default false); `locationId` and `animalId` never"
                " match one."
            ),
        ] = False,
        first: Annotated[int | None, _arg(docs.FIRST)] = None,
        after: Annotated[str | None, _arg(docs.AFTER)] = None,
    ) -> EventConnection:
        request = page_request(first, after)
        page = events_page(
            info.context.db,
            first=request.first,
            after=decode_event_cursor(request.after),
            types=[t.value for t in types] if types is not None else None,
            since=since,
            until=until,
            location_id=arguments.filter_id(location_id, "location_id"),
            animal_id=arguments.filter_id(animal_id, "animal_id"),
            include_deleted=include_deleted,
        )
        return EventConnection.from_page(info, page, request)

    @strawberry.field(
        description="The changes to the log after a sequence number, oldest first: what"
        " `logChanged` delivered meanwhile, for a client whose socket dropped. Read on from"
        " `lastSeq` while `hasMore`."
    )
    def log_changes(
        self,
        info: Info,
        after_seq: Annotated[
            Long,
            strawberry.argument(
                description="The last `logSeq` the client saw (0 for the whole log)."
            ),
        ],
        first: Annotated[
            int | None,
            strawberry.argument(description="How many changes at most (default 100, cap 500)."),
        ] = None,
    ) -> LogChangePage:
        if after_seq < 0:
            raise ValidationError("`afterSeq` cannot be negative; start from 0.", field="after_seq")
        request = page_request(first, None, "ask again from `lastSeq`")
        return LogChangePage.from_page(
            info, changes_page(info.context.db, after_seq, request.first)
        )

    @strawberry.field(
        description="One event at its latest version, deleted or not; null when there is none."
    )
    def event(self, info: Info, id: Annotated[ID, _arg(_LOOKUP_ID)]) -> Event | None:
        event = info.context.loaders.event.load(arguments.lookup_id(id))
        return Event.from_event(event) if event else None

    @strawberry.field(
        description="Eggs, feed, feed cost and bird time at a location over the `windowDays`"
        " days before `at`; null when the location is unknown."
    )
    def egg_stats(
        self,
        info: Info,
        location_id: Annotated[ID, _arg("The location's id.")],
        at: Annotated[DateTime | None, _arg(docs.WINDOW_END)] = None,
        window_days: Annotated[int, _arg(docs.WINDOW_DAYS)] = arguments.DEFAULT_WINDOW_DAYS,
    ) -> EggStats | None:
        arguments.window_days(window_days)
        record = info.context.loaders.location.load(arguments.lookup_id(location_id))
        if record is None:
            return None
        return EggStats.compute(info, record.id, arguments.instant(info, at), window_days)

    @strawberry.field(
        description="The farm-wide stock of every active feed type, and of any other ever"
        " bought or given, by code."
    )
    def feed_inventory(self, info: Info) -> list[FeedStock]:
        return [FeedStock.from_record(r) for r in feed_inventory(info.context.db)]

    @strawberry.field(
        description="The flock's figures for a dashboard — laying rate, feed per dozen eggs, feed"
        " cost per egg, mortality, days of feed left — at one location or the whole farm, over"
        " the `windowDays` days before `at`. An unknown location is a NOT_FOUND error."
    )
    def flock(
        self,
        info: Info,
        location_id: Annotated[
            ID | None,
            strawberry.argument(
                description="The location; omit it for the whole farm, every location added up."
            ),
        ] = None,
        at: Annotated[DateTime | None, _arg(docs.WINDOW_END)] = None,
        window_days: Annotated[int, _arg(docs.WINDOW_DAYS)] = arguments.DEFAULT_WINDOW_DAYS,
    ) -> FlockFigures:
        location = arguments.filter_id(location_id, "location_id")
        ts = arguments.instant(info, at)
        figures = get_flock_figures(
            info.context.db, location, ts, arguments.window_days(window_days)
        )
        return FlockFigures.from_figures(figures)

    @strawberry.field(
        description="The flock's figures per local calendar day of the farm's time zone, from"
        " `from` to `to` inclusive (at most 3660 days), as one array per figure: eggs, feed"
        " given and its cost, bird-days, layer-eligible bird-days and the laying rate. An unknown"
        " location is a NOT_FOUND error."
    )
    def daily_series(
        self,
        info: Info,
        from_: Annotated[
            datetime.date,
            strawberry.argument(name="from", description="The first day, YYYY-MM-DD, local."),
        ],
        to: Annotated[
            datetime.date,
            strawberry.argument(description="The last day, YYYY-MM-DD, local, included."),
        ],
        location_id: Annotated[
            ID | None,
            strawberry.argument(
                description="The location; omit it for the whole farm, every location added up."
            ),
        ] = None,
    ) -> DailySeries:
        location = arguments.filter_id(location_id, "location_id")
        tz = getattr(info.context.settings, "timezone", None) or DEFAULT_TIMEZONE
        series = get_daily_series(info.context.db, location, from_, to, tz)
        return DailySeries.from_series(series, tz)

    @strawberry.field(
        description="What a product sold for over the `windowDays` days before `at`: quantity,"
        " takings and the average price. An unknown product is a NOT_FOUND error."
    )
    def sales(
        self,
        info: Info,
        product_code: Annotated[
            str, strawberry.argument(description="The product's code, e.g. `egg.duck`.")
        ],
        at: Annotated[DateTime | None, _arg(docs.WINDOW_END)] = None,
        window_days: Annotated[int, _arg(docs.WINDOW_DAYS)] = arguments.DEFAULT_WINDOW_DAYS,
    ) -> Sales:
        ts = arguments.instant(info, at)
        days = arguments.window_days(window_days)
        return Sales.from_record(average_sale_price(info.context.db, product_code, ts, days))

    @strawberry.field(
        description="The harvests' yields per product, by code, over [since, until); products"
        " never yielded in that range are left out."
    )
    def harvest_yields(
        self,
        info: Info,
        since: Annotated[
            DateTime | None,
            strawberry.argument(description="First instant counted; omit it for the beginning."),
        ] = None,
        until: Annotated[
            DateTime | None,
            strawberry.argument(description="The end, not included; omit it for no end."),
        ] = None,
    ) -> list[HarvestYield]:
        totals = harvest_yield_totals(info.context.db, since, until)
        return [HarvestYield.from_record(t) for t in totals]
