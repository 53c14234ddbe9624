"""The log's changes read back by sequence number, for a client catching up (`logChanges`)
and for the live subscriptions of every server process (`published_after`).

A client that follows the log live (`logChanged`) keeps the last sequence number it saw; after
a dropped socket it reads the changes after it, oldest first, and receives the same items the
socket would have delivered: each change with its event as the change left it — the appended
version, the edited version, or for a delete the version that was deleted — not as it is now
(`EventStore.live_at`).
"""

from __future__ import annotations

from dataclasses import dataclass

from animaltrack.events.model import Event
from animaltrack.events.store import DELETED, EventStore, LogChange
from animaltrack.projections.event_log import places_of


@dataclass(frozen=True)
class ChangePage:
    changes: list[tuple[LogChange, Event]]
    last_seq: int  # of the page's last change; the asked-for `after_seq` when it is empty
    has_more: bool


@dataclass(frozen=True)
class Published:
    """One committed change to the log, as the subscriptions receive it: the event at the
    version the change wrote (for a delete, as it was deleted) and the locations the change is
    about, as its transaction noted them (`animaltrack.services.changes`)."""

    change: LogChange
    event: Event
    places: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.change.kind


def published_after(db, after_seq: int, limit: int | None = None) -> list[Published]:
    """The changes committed after `after_seq`, oldest first (at most `limit`).

    A change recorded before m011 or imported has no places noted; those of its event stand in
    (as the projection holds them now; a deleted event's own)."""
    store = EventStore(db)
    found = []
    for change in store.changes_after(after_seq, limit):
        event = event_then(store, change)
        places = change.places
        if places is None:
            places = tuple(event.location_ids() if change.kind == DELETED else places_of(db, event))
        found.append(Published(change, event, places))
    return found


def changes_page(db, after_seq: int, first: int) -> ChangePage:
    """At most `first` changes after `after_seq`, oldest first, each with its event then."""
    store = EventStore(db)
    rows = store.changes_after(after_seq, first + 1)
    page = [(change, event_then(store, change)) for change in rows[:first]]
    last = page[-1][0].seq if page else after_seq
    return ChangePage(page, last, len(rows) > first)


def event_then(store: EventStore, change: LogChange) -> Event:
    """The event as `change` left it. A delete leaves the event as it stood just before."""
    at = change.seq - 1 if change.kind == DELETED else change.seq
    found = store.live_at([change.event_id], at)
    # An imported log is numbered from its rows' times; a tombstone dated before its event's
    # recording leaves nothing live before it, and the event's latest version is the answer.
    return found[0] if found else store.get_event(change.event_id)
