"""Publish the log's changes to in-process subscribers, after the write has committed.

The GraphQL subscriptions `eventAppended` (appends only) and `logChanged` (appends, edits and
deletes) listen here. Publishing happens only once the command's transaction is committed, so a
dashboard never sees a change that was rolled back. A rebuild or an import writes no change of
its own to the log and publishes nothing.

What a write transaction changed is read back from the log sequence itself (`Changes`): the
transaction holds SQLite's one write lock (`BEGIN IMMEDIATE`), so every row of `log_changes`
after the sequence number it started at is its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from animaltrack.events.model import Event
from animaltrack.events.store import EventStore, LogChange
from animaltrack.projections.event_log import locations_of


@dataclass(frozen=True)
class Published:
    """One committed change to the log, as subscribers receive it.

    `event` is the event at the version the change wrote (for a delete, as it was deleted).
    `before` are the locations the version an edit replaced, or the event a delete removed,
    was about — read before the change, since the projections forget them once it is made.
    """

    change: LogChange
    event: Event
    before: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.change.kind


Listener = Callable[[Published], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, published: Iterable[Published]) -> None:
        for item in published:
            for listener in list(self._listeners):
                listener(item)


default_bus = EventBus()


class Changes:
    """The changes one write transaction makes to the log, to publish once it commits.

    Made inside the transaction, before the first write; `about_to_change` notes where an
    event is about before an edit or delete changes it; `published` reads the transaction's
    rows of the log sequence, still inside it.
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.since = store.last_seq()
        self._before: dict[str, tuple[str, ...]] = {}

    def about_to_change(self, events: Iterable[Event]) -> None:
        for event in events:
            self._before[event.id] = tuple(locations_of(self.store.db, event))

    def published(self, events: Iterable[Event]) -> list[Published]:
        """The transaction's changes, oldest first, each with its event from `events`."""
        by_id = {event.id: event for event in events}
        return [
            Published(change, by_id[change.event_id], self._before.get(change.event_id, ()))
            for change in self.store.changes_after(self.since)
        ]
