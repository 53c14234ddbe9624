"""Publish appended events to in-process subscribers, after the write has committed.

The GraphQL subscription `eventAppended` listens here. Publishing happens only once the command's
transaction is committed, so a dashboard never sees an event that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from animaltrack.events.model import Event

Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)


default_bus = EventBus()
