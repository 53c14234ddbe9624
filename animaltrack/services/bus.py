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
from animaltrack.events.store import DELETED, EventStore, LogChange
from animaltrack.projections.event_log import places_of


@dataclass(frozen=True)
class Published:
    """One committed change to the log, as subscribers receive it.

    `event` is the event at the version the change wrote (for a delete, as it was deleted).
    `places` are the locations the change is about: those of the event as the change left it
    and, for an edit or a delete, those of the version it replaced or removed. They are read in
    the write transaction — the old ones before the change, since the projections forget them
    once it is made — so a later change cannot blur them before a subscriber looks.
    """

    change: LogChange
    event: Event
    places: tuple[str, ...] = ()

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
    rows of the log sequence, and where each event now is about, still inside it (after the
    projections have followed the change).
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.since = store.last_seq()
        self._before: dict[str, list[str]] = {}

    def about_to_change(self, events: Iterable[Event]) -> None:
        for event in events:
            self._before[event.id] = places_of(self.store.db, event)

    def published(self, events: Iterable[Event]) -> list[Published]:
        """The transaction's changes, oldest first, each with its event from `events`."""
        by_id = {event.id: event for event in events}
        found = []
        for change in self.store.changes_after(self.since):
            event = by_id[change.event_id]
            now = [] if change.kind == DELETED else places_of(self.store.db, event)
            places = dict.fromkeys([*self._before.get(event.id, ()), *now])
            found.append(Published(change, event, tuple(places)))
        return found
