"""Relay-style paging: `first`/`after` arguments, opaque cursors and `PageInfo` (SPEC §13).

Cursors are keyset positions, not offsets, so a page stays right while events are appended:
an animal cursor holds the animal id (animals are listed by id), an event cursor holds the
event's `(ts_utc, id)` (events are listed newest first). Both are base64 text to the client.
`first` defaults to 100 and is refused above `MAX_PAGE_SIZE` with a message naming the cap.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import strawberry

from animaltrack.errors import ValidationError
from animaltrack.events.ids import is_ulid

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


@strawberry.type(description="Where a page lies in its list, and how to ask for the next one.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether this page was asked for with `after` (items come before it)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item: pass it as `after` for the next page;"
        " null for an empty page."
    )


@dataclass(frozen=True)
class PageRequest:
    """Checked paging arguments: how many, and the keyset position to continue after."""

    first: int
    after: str | None = None


def page_request(
    first: int | None, after: str | None, read_on: str = "follow `pageInfo.endCursor`"
) -> PageRequest:
    """Check `first`; keep `after` opaque until a decoder for its kind reads it. `read_on`
    tells, in the refusal, how this list's next page is asked for."""
    if first is None:
        first = DEFAULT_PAGE_SIZE
    if first < 0:
        raise ValidationError("`first` cannot be negative.", field="first")
    if first > MAX_PAGE_SIZE:
        raise ValidationError(
            f"`first` is {first}, above the cap of {MAX_PAGE_SIZE} items per page; ask for at"
            f" most {MAX_PAGE_SIZE} and {read_on}.",
            field="first",
        )
    return PageRequest(first, after)


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(cursor: str, kind: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    prefix = f"{kind}:"
    if not text.startswith(prefix):
        raise ValidationError(
            "`after` is not a cursor of this list; pass a `pageInfo.endCursor` you were given.",
            field="after",
        )
    return text.removeprefix(prefix)


def animal_cursor(animal_id: str) -> str:
    return _encode(f"animal:{animal_id}")


def decode_animal_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    animal_id = _decode(cursor, "animal")
    if not is_ulid(animal_id):
        raise ValidationError("`after` is not a valid animal cursor.", field="after")
    return animal_id.upper()


def event_cursor(ts_utc: int, event_id: str) -> str:
    return _encode(f"event:{ts_utc}:{event_id}")


def decode_event_cursor(cursor: str | None) -> tuple[int, str] | None:
    if cursor is None:
        return None
    ts_text, _, event_id = _decode(cursor, "event").partition(":")
    if not ts_text.lstrip("-").isdigit() or not is_ulid(event_id):
        raise ValidationError("`after` is not a valid event cursor.", field="after")
    return int(ts_text), event_id.upper()
