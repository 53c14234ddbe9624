"""Subscriptions (SPEC §13): `eventAppended`, fed by the in-process event bus after COMMIT.

`default_bus.publish` is called synchronously by the service once its transaction has committed
(on the event-loop thread when served). Each subscription bridges the bus to an `asyncio.Queue`
with `call_soon_threadsafe`, which is correct from the loop thread and from any other thread
(a tool or test writing from a worker), and unsubscribes when the client goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from animaltrack.events.model import Event as DomainEvent
from animaltrack.services.bus import EventBus, default_bus
from resolvers.context import Info
from schema import arguments
from schema.enums import EventType
from schema.types.events import Event


async def appended_events(
    bus: EventBus, types: set[str] | None
) -> AsyncGenerator[DomainEvent, None]:
    """Events published on `bus` from now on of these types (all when None), until closed."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[DomainEvent] = asyncio.Queue()

    def listener(event: DomainEvent) -> None:
        if types is None or event.type in types:
            loop.call_soon_threadsafe(queue.put_nowait, event)

    unsubscribe = bus.subscribe(listener)
    try:
        while True:
            yield await queue.get()
    finally:
        unsubscribe()


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
        async for event in appended_events(default_bus, wanted):
            info.context.loaders.clear()  # a long-lived subscription must not serve stale reads
            # The places an event is about are derived (a move's source, a tag's strip), so the
            # location filter reads them once the event has committed.
            if (
                location
                and location not in info.context.loaders.subjects.load(event.id).location_ids
            ):
                continue
            yield Event.from_event(event)
