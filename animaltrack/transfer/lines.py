"""The lines of a history file (SPEC §14), one model per kind, and how a line is written.

The models are the format's definition for both directions: export builds its lines from them
and import reads each line through them, so a file that export writes always imports, and a
hand-edited line that breaks the format is refused with the field at fault. Payloads are kept
as plain objects here; they are checked against their event type's model once upcast.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from animaltrack.events.model import Event, Revision, Tombstone
from animaltrack.events.payloads import Id

FORMAT_VERSION = 1

Millis = Annotated[StrictInt, Field(ge=0)]
Actor = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeaderLine(Line):
    """The first line: which format, and which payload version each event type is written in."""

    kind: Literal["header"] = "header"
    format: StrictInt
    payload_versions: dict[StrictStr, Annotated[StrictInt, Field(ge=1)]]


class ReferenceLine(Line):
    """One row of reference data (species, products, feed types, users)."""

    kind: Literal["reference"] = "reference"
    table: StrictStr
    row: dict[StrictStr, Any]


class EventLine(Line):
    """One event at its latest version (`version` counts its edits)."""

    kind: Literal["event"] = "event"
    id: Id
    type: StrictStr
    ts_utc: Millis
    actor: Actor
    entity_refs: dict[StrictStr, Any]
    payload: dict[StrictStr, Any]
    version: Annotated[StrictInt, Field(ge=1)]
    recorded_at_utc: Millis

    @classmethod
    def of(cls, event: Event) -> EventLine:
        """The line of a stored event (trusted: not validated again)."""
        return cls.model_construct(
            id=event.id,
            type=event.type,
            ts_utc=event.ts_utc,
            actor=event.actor,
            entity_refs=event.entity_refs,
            payload=event.payload,
            version=event.version,
            recorded_at_utc=event.recorded_at_utc,
        )


class RevisionLine(Line):
    """A prior version of the event above it."""

    kind: Literal["revision"] = "revision"
    event_id: Id
    version: Annotated[StrictInt, Field(ge=1)]
    ts_utc: Millis
    actor: Actor
    entity_refs: dict[StrictStr, Any]
    payload: dict[StrictStr, Any]
    edited_at_utc: Millis
    edited_by: Actor

    @classmethod
    def of(cls, revision: Revision) -> RevisionLine:
        """The line of a stored revision (trusted: not validated again)."""
        return cls.model_construct(**_fields_of(cls, revision))


class TombstoneLine(Line):
    """The deletion of the event above it."""

    kind: Literal["tombstone"] = "tombstone"
    id: Id
    ts_utc: Millis
    actor: Actor
    target_event_id: Id
    reason: StrictStr | None = None

    @classmethod
    def of(cls, tombstone: Tombstone) -> TombstoneLine:
        """The line of a stored tombstone (trusted: not validated again)."""
        return cls.model_construct(**_fields_of(cls, tombstone))


LINE_KINDS: dict[str, type[Line]] = {
    "header": HeaderLine,
    "reference": ReferenceLine,
    "event": EventLine,
    "revision": RevisionLine,
    "tombstone": TombstoneLine,
}


def _fields_of(model: type[Line], record: object) -> dict[str, Any]:
    return {name: getattr(record, name) for name in model.model_fields if name != "kind"}


def encode(line: Line) -> str:
    """One line of the file: compact JSON, keys in the model's order, so the same history
    always gives the same bytes. (Every value is already plain JSON: no serializer needed.)"""
    return json.dumps(dict(line), ensure_ascii=False, separators=(",", ":")) + "\n"
