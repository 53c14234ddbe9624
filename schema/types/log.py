"""Changes to the log, as `logChanged` delivers them and `logChanges` reads them back.

Every append, edit and delete has a sequence number that grows by one per change; a client keeps
the last one it saw and, after a dropped socket, asks for the changes after it.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from animaltrack.events.model import Event as DomainEvent
from animaltrack.events.store import LogChange as LogChangeRecord
from animaltrack.queries.log import ChangePage
from schema.scalars import DateTime, Long
from schema.types.events import Event


@strawberry.enum(description="What a change did to the log.")
class LogChangeKind(Enum):
    APPENDED = strawberry.enum_value("APPENDED", description="A new event was recorded.")
    EDITED = strawberry.enum_value(
        "EDITED",
        description="An event was edited; the change carries the event at its new version.",
    )
    DELETED = strawberry.enum_value(
        "DELETED",
        description="An event was deleted; the change carries the event as it was when deleted.",
    )


@strawberry.type(
    description="One change to the log: an event recorded, edited or deleted. A dashboard"
    " showing a figure the event counts in should refresh it."
)
class LogChange:
    log_seq: Long = strawberry.field(
        description="The change's number in the log sequence, one more than the change before"
        " it. Keep the last one you received: after a reconnect, `logChanges(afterSeq:)` with"
        " it returns every change you missed."
    )
    kind: LogChangeKind = strawberry.field(description="Whether it appends, edits or deletes.")
    event: Event = strawberry.field(
        description="The event as this change left it: the new event, the edited event at its"
        " new version (its prior versions in `revisions`), or the deleted event as it was"
        " deleted. Fields that follow history (`locationIds`, `animalIds`, `deleted`) answer"
        " as history stands when they are read."
    )
    at: DateTime = strawberry.field(description="When the server wrote the change.")

    @classmethod
    def from_change(cls, change: LogChangeRecord, event: DomainEvent) -> LogChange:
        return cls(
            log_seq=change.seq,
            kind=LogChangeKind(change.kind),
            event=Event.from_event(event),
            at=change.at_utc,
        )


@strawberry.type(description="A page of the log's changes, oldest first.")
class LogChangePage:
    changes: list[LogChange] = strawberry.field(
        description="The changes after `afterSeq`, oldest first, at most `first` of them."
    )
    last_seq: Long = strawberry.field(
        description="The sequence number of this page's last change, or `afterSeq` when the"
        " page is empty: pass it as `afterSeq` to read on."
    )
    has_more: bool = strawberry.field(
        description="Whether more changes follow this page (ask again from `lastSeq`)."
    )

    @classmethod
    def from_page(cls, info: strawberry.Info, page: ChangePage) -> LogChangePage:
        ids = [event.id for _change, event in page.changes]
        loaders = info.context.loaders
        loaders.tombstone.hint(ids)
        loaders.revisions.hint(ids)
        loaders.subjects.hint(ids)
        return cls(
            changes=[LogChange.from_change(change, event) for change, event in page.changes],
            last_seq=page.last_seq,
            has_more=page.has_more,
        )
