"""Events of the log (SPEC §4), with their revisions and tombstones, and event pages.

`payload` speaks the API's conventions (camelCase keys, enum values as the GraphQL enums spell
them; `schema/payloads.py`), and an edit takes a payload of the same shape. `entityRefs` is the
stored JSON with its keys in camelCase.
"""

from __future__ import annotations

import strawberry

from animaltrack.events.model import Event as DomainEvent
from animaltrack.events.model import Revision as RevisionRecord
from animaltrack.events.model import Tombstone as TombstoneRecord
from animaltrack.queries.events import EventPage
from animaltrack.queries.subjects import Subjects
from schema.enums import EventType
from schema.paging import PageInfo, PageRequest, event_cursor
from schema.payloads import to_api
from schema.scalars import JSON, DateTime


def _subjects(info: strawberry.Info, event_id: str) -> Subjects:
    return info.context.loaders.subjects.load(event_id)


@strawberry.type(description="A prior version of an edited event, as it stood before an edit.")
class EventRevision:
    version: int = strawberry.field(description="This version's number (1 is the original).")
    ts_utc: DateTime = strawberry.field(description="When it happened, in this version (UTC).")
    actor: str = strawberry.field(description="Who recorded the event.")
    entity_refs: JSON = strawberry.field(
        description="What this version referred to (`animalIds`, `locationId`, …), in the shape"
        " of `Event.entityRefs`."
    )
    payload: JSON = strawberry.field(
        description="This version's payload, in the shape of `Event.payload`."
    )
    edited_at: DateTime = strawberry.field(
        description="When the edit that replaced this version was made (UTC)."
    )
    edited_by: str = strawberry.field(description="Who made that edit.")

    @classmethod
    def from_record(cls, record: RevisionRecord) -> EventRevision:
        return cls(
            version=record.version,
            ts_utc=record.ts_utc,
            actor=record.actor,
            entity_refs=to_api(record.entity_refs),
            payload=to_api(record.payload),
            edited_at=record.edited_at_utc,
            edited_by=record.edited_by,
        )


@strawberry.type(
    description="The record that an event was deleted; the event stays in the log, marked deleted."
)
class Tombstone:
    id: strawberry.ID = strawberry.field(description="The tombstone's own id.")
    deleted_at: DateTime = strawberry.field(description="When the event was deleted (UTC).")
    actor: str = strawberry.field(description="Who deleted it.")
    reason: str | None = strawberry.field(description="Why, as given; null when none was given.")

    @classmethod
    def from_record(cls, record: TombstoneRecord) -> Tombstone:
        return cls(
            id=strawberry.ID(record.id),
            deleted_at=record.ts_utc,
            actor=record.actor,
            reason=record.reason,
        )


@strawberry.type(
    description="One entry of the farm's log: something that happened, at its latest version."
    " Events are never removed: an edit keeps the old version in `revisions`, a delete leaves a"
    " `tombstone`."
)
class Event:
    id: strawberry.ID = strawberry.field(
        description="The event's id (a ULID); later-recorded events have greater ids."
    )
    type: EventType = strawberry.field(description="What kind of event it is.")
    ts_utc: DateTime = strawberry.field(
        description="When it happened (UTC), as the client said; history is read in this order."
    )
    recorded_at: DateTime = strawberry.field(
        description="When the server learned of it (UTC); later than `tsUtc` for a backdated entry."
    )
    actor: str = strawberry.field(description="The username of who recorded it.")
    version: int = strawberry.field(description="1, plus one for every edit.")
    entity_refs: JSON = strawberry.field(
        description="What the event refers to: the animals it creates or names (`animalIds`)"
        " and the locations it names (`locationId`, `toLocationId`,"
        " `assignedBroodLocationId`). Where its animals were is in `locationIds`."
    )
    # The stored payload; `payload` shows it in the API's shape when a query asks for it.
    stored_payload: strawberry.Private[dict]

    @strawberry.field(
        description="What the event says, by its type: camelCase keys, enum values as this"
        ' API\'s enums spell them (`{"lifeStage": "ADULT", "feedTypeCode": "layer"}`; codes such'
        " as feed types and products stay as they are). `editEvent` takes the same shape."
    )
    def payload(self) -> JSON:
        return to_api(self.stored_payload)

    @classmethod
    def from_event(cls, event: DomainEvent) -> Event:
        return cls(
            id=strawberry.ID(event.id),
            type=EventType(event.type),
            ts_utc=event.ts_utc,
            recorded_at=event.recorded_at_utc,
            actor=event.actor,
            version=event.version,
            entity_refs=to_api(event.entity_refs),
            stored_payload=event.payload,
        )

    @strawberry.field(
        description="The animals the event is about: those it creates or names and, for a"
        " collection that names none, the producers — the animals of the product's species"
        " living at its location at its time, as history now tells it."
    )
    def animal_ids(self, info: strawberry.Info) -> list[strawberry.ID]:
        return [strawberry.ID(a) for a in _subjects(info, self.id).animal_ids]

    @strawberry.field(
        description="The locations the event is about: those it names and, for an event about"
        " animals, where they were at its time (a move's source among them), as history now"
        " tells it."
    )
    def location_ids(self, info: strawberry.Info) -> list[strawberry.ID]:
        return [strawberry.ID(loc) for loc in _subjects(info, self.id).location_ids]

    @strawberry.field(description="Whether the event has been deleted.")
    def deleted(self, info: strawberry.Info) -> bool:
        return info.context.loaders.tombstone.load(self.id) is not None

    @strawberry.field(description="Who deleted the event, when and why; null unless deleted.")
    def tombstone(self, info: strawberry.Info) -> Tombstone | None:
        record = info.context.loaders.tombstone.load(self.id)
        return Tombstone.from_record(record) if record else None

    @strawberry.field(description="Prior versions, oldest first (empty when never edited).")
    def revisions(self, info: strawberry.Info) -> list[EventRevision]:
        records = info.context.loaders.revisions.load(self.id) or ()
        return [EventRevision.from_record(r) for r in records]


@strawberry.type(description="One event of a page, with its cursor.")
class EventEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this event.")
    node: Event = strawberry.field(description="The event.")


@strawberry.type(
    description="A page of events, newest first (by `tsUtc`, then by id), with the count of all."
)
class EventConnection:
    edges: list[EventEdge] = strawberry.field(description="The events of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page lies in the list.")
    total_count: int = strawberry.field(
        description="How many events the list holds in all, across every page."
    )

    @strawberry.field(description="The events of this page, without cursors.")
    def nodes(self) -> list[Event]:
        return [edge.node for edge in self.edges]

    @classmethod
    def from_page(cls, info: strawberry.Info, page: EventPage, request: PageRequest):
        loaders = info.context.loaders
        ids = [e.id for e in page.events]
        loaders.tombstone.hint(ids)
        loaders.revisions.hint(ids)
        loaders.subjects.hint(ids)
        edges = [
            EventEdge(cursor=event_cursor(e.ts_utc, e.id), node=Event.from_event(e))
            for e in page.events
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=request.after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total_count,
        )
