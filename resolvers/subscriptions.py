"""Subscriptions (SPEC §13): `eventAppended` and `logChanged`, each change once it commits.

They follow the log sequence through the app's `LogFeed` (`resolvers/log_feed.py`), so a change
recorded by any of the server's processes reaches the subscribers of all of them. The places a
change is about come with it (`Published.places`, noted in the write transaction): those of the
event as the change left it — derived ones included, a move's source, a tag's strip — and those
of the version an edit replaced or a delete removed, which the projections have forgotten by the
time a subscriber looks. The location filter reads nothing.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from animaltrack.events.store import APPENDED
from animaltrack.queries.log import Published
from resolvers.context import Info
from resolvers.log_feed import feed_for
from schema import arguments
from schema.enums import EventType
from schema.types.events import Event
from schema.types.log import LogChange


async def published_changes(info: Info, types: set[str] | None) -> AsyncGenerator[Published, None]:
    """Changes committed from now on to events of these types (all when None), until closed."""
    async for published in feed_for(info.context.db).changes():
        if types is None or published.event.type in types:
            yield published


def _is_about(published: Published, location: str | None) -> bool:
    """Whether the change is about `location` (always, without one)."""
    return location is None or location in published.places


@strawberry.type(description="Live updates over a WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="Each event as it is recorded (after it commits), optionally only of some"
        " types or at one location."
    )
    async def event_appended(
        self,
        info: Info,
        types: Annotated[
            list[EventType] | None,
            strawberry.argument(description="Only events of these types (default: all)."),
        ] = None,
        location_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only events about this location: naming it, or about animals that"
                " were there at the time."
            ),
        ] = None,
    ) -> AsyncGenerator[Event, None]:
        wanted = {t.value for t in types} if types is not None else None
        location = arguments.filter_id(location_id, "location_id")
        async for published in published_changes(info, wanted):
            if published.kind != APPENDED:
                continue
            if _is_about(published, location):
                info.context.loaders.clear()  # a long-lived subscription must not serve stale reads
                yield Event.from_event(published.event)

    @strawberry.subscription(
        description="Every change to the log once it commits — an event recorded, edited or"
        " deleted — with its sequence number, so a dashboard can refresh the figures a"
        " correction changed. Keep the last `logSeq` received; after a reconnect, ask"
        " `logChanges(afterSeq:)` for what you missed."
    )
    async def log_changed(
        self,
        info: Info,
        types: Annotated[
            list[EventType] | None,
            strawberry.argument(
                description="Only changes to events of these types (all when null)."
            ),
        ] = None,
        location_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only changes about this location (all when null). An edit is"
                " about the places of its old and of its new version, so an egg collection"
                " moved from Strip 1 to Strip 2 reaches a dashboard of either; a delete is"
                " about the places of the deleted event."
            ),
        ] = None,
    ) -> AsyncGenerator[LogChange, None]:
        wanted = {t.value for t in types} if types is not None else None
        location = arguments.filter_id(location_id, "location_id")
        async for published in published_changes(info, wanted):
            if _is_about(published, location):
                info.context.loaders.clear()  # a long-lived subscription must not serve stale reads
                yield LogChange.from_change(published.change, published.event)
