"""Checks of query arguments shared by the root queries and nested fields.

A bad argument raises the domain's `ValidationError` naming the argument; `schema/errors.py`
turns it into a GraphQL error with `extensions.code = "VALIDATION"` and `field`.
"""

from __future__ import annotations

from animaltrack.errors import ValidationError
from animaltrack.events.ids import is_ulid

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 3660


def lookup_id(value: str | None) -> str | None:
    """An id for a single-item lookup: upper-cased, or None when malformed (the lookup is null)."""
    return value.upper() if value is not None and is_ulid(value) else None


def filter_id(value: str | None, field: str) -> str | None:
    """An id that narrows a list: upper-cased; a malformed one is a bad argument."""
    if value is None:
        return None
    if not is_ulid(value):
        raise ValidationError(f"'{value}' is not a valid id (26 letters and digits).", field=field)
    return value.upper()


def window_days(value: int) -> int:
    if value < 1 or value > MAX_WINDOW_DAYS:
        raise ValidationError(
            f"`windowDays` is {value}; give a window of 1 to {MAX_WINDOW_DAYS} days.",
            field="window_days",
        )
    return value


def instant(info, at: int | None) -> int:
    """`at`, or the server's now when it is absent."""
    return info.context.now() if at is None else at
