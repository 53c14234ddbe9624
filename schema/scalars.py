"""Custom scalars (SPEC §13): `DateTime` for instants, `Decimal` as a string, `JSON`.

Instants are milliseconds since the epoch everywhere in the domain core; the `DateTime` scalar
writes them as `YYYY-MM-DDTHH:MM:SS.sssZ` and reads only text with an explicit offset (`Z` or
`+01:00`), so a client can never send a time whose zone the server would have to guess.

The scalars are `NewType`s mapped in `StrawberryConfig.scalar_map` (see `SCALAR_MAP`); Python
code holds plain `int`, `decimal.Decimal` and JSON-ready values.
"""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from animaltrack.timefmt import from_iso, to_iso

DateTime = NewType("DateTime", int)
"""An instant: milliseconds since the Unix epoch, UTC."""


def _parse_datetime(value: object) -> int:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f"DateTime must be text such as 2026-05-03T14:00:00.000Z, not {value!r}"
        )
    try:
        return from_iso(value)
    except ValueError as error:
        raise StrawberryInputCoercionError(
            f"'{value}' is not a DateTime; write it like 2026-05-03T14:00:00.000Z"
            f" or 2026-05-03T15:00:00+01:00 ({error})"
        ) from None


DATETIME_SCALAR: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description=(
        "An instant, written YYYY-MM-DDTHH:MM:SS.sssZ (UTC); read only with an explicit offset"
        " (Z or ±HH:MM)."
    ),
    serialize=to_iso,
    parse_value=_parse_datetime,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {DateTime: DATETIME_SCALAR}

__all__ = ["JSON", "SCALAR_MAP", "DateTime"]
