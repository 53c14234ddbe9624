"""Where each change a write transaction makes to the log is about, kept with it.

The subscriptions `eventAppended` and `logChanged` filter by location. What a change is about
is known best inside its transaction: for an edit or a delete it includes the places of the
version replaced or removed, which the projections forget once the change is made, and the
derived places (a move's source, a tag's strip) as the change left them, which a later change
may blur. So each command notes them on its rows of the log sequence (`EventStore.note_places`)
before it commits, and every server process reads them back from there
(`animaltrack.queries.log.published_after`): a change recorded by one process reaches the
subscribers of all of them, and a change rolled back reaches none. A rebuild or an import
writes no change of its own to the log.

The transaction holds SQLite's one write lock (`BEGIN IMMEDIATE`), so every row of `log_changes`
after the sequence number it started at is its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from animaltrack.events.model import Event
from animaltrack.events.store import DELETED, EventStore
from animaltrack.projections.event_log import places_of


class Changes:
    """The changes one write transaction makes to the log, and the places they are about.

    Made inside the transaction, before the first write; `about_to_change` notes where an
    event is about before an edit or delete changes it; `record` notes, on each of the
    transaction's rows of the log sequence, those places and where the event is about now
    (after the projections have followed the change), still inside the transaction.
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.since = store.last_seq()
        self._before: dict[str, list[str]] = {}

    def about_to_change(self, events: Iterable[Event]) -> None:
        for event in events:
            self._before[event.id] = places_of(self.store.db, event)

    def record(self, events: Iterable[Event]) -> None:
        """Note the places of the transaction's changes, each about one of `events`."""
        by_id = {event.id: event for event in events}
        for change in self.store.changes_after(self.since):
            event = by_id[change.event_id]
            now = [] if change.kind == DELETED else places_of(self.store.db, event)
            places = dict.fromkeys([*self._before.get(event.id, ()), *now])
            self.store.note_places(change.seq, places)
