"""ULIDs: validation and the monotonic id source (SPEC §1.4)."""

from __future__ import annotations

from collections.abc import Callable

from ulid import ULID

from animaltrack.errors import ValidationError

CROCKFORD = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
ULID_LENGTH = 26


def is_ulid(value: object) -> bool:
    """True for 26 Crockford base32 characters (any case) that fit in 128 bits."""
    if not isinstance(value, str) or len(value) != ULID_LENGTH:
        return False
    upper = value.upper()
    return set(upper) <= CROCKFORD and upper[0] <= "7"


def normalize_ulid(value: str, field: str = "id") -> str:
    """Return the id upper-cased, or refuse it with a message naming the field."""
    if not is_ulid(value):
        raise ValidationError(f"'{value}' is not a valid id (26 letters and digits)", field=field)
    return value.upper()


def ulid_factory(clock_ms: Callable[[], int]) -> Callable[[], str]:
    """New ULIDs stamped with `clock_ms()` (so an injected clock gives ids of its own time)."""

    def new_id() -> str:
        return str(ULID.from_timestamp(clock_ms() / 1000))

    return new_id


def successor(ulid: str) -> str:
    """The smallest ULID greater than `ulid` (keeps event ids strictly increasing)."""
    return str(ULID.from_int(int(ULID.from_str(ulid)) + 1))
