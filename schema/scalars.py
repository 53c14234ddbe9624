"""Custom scalars (SPEC §13): `DateTime` for instants, `Decimal` as a string, `Long`, `JSON`.

`Date` is Strawberry's own, parsed and written as it does (`YYYY-MM-DD`); only its description
is ours, saying which calendar the day belongs to.

Instants are milliseconds since the epoch everywhere in the domain core; the `DateTime` scalar
writes them as `YYYY-MM-DDTHH:MM:SS.sssZ` and reads only text with an explicit offset (`Z` or
`+01:00`), so a client can never send a time whose zone the server would have to guess.

`Decimal` reads only plain decimal text (`12.5`, not `1e20`) of at most 15 digits before the
point and 6 after, so no input can make the `decimal` module overflow or run out of precision
further in; the domain then checks each quantity's own range. `Long` is an integer up to 2^53,
the largest a JSON number carries exactly, for grams and cents that can pass GraphQL `Int`'s
2^31 (a year of feed in grams).

The scalars are `NewType`s mapped in `StrawberryConfig.scalar_map` (see `SCALAR_MAP`); Python
code holds plain `int`, `decimal.Decimal` and JSON-ready values. Their refusals say what to write,
never Python's own text.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import re
from typing import NewType

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DateDefinition
from strawberry.types.scalar import ScalarDefinition

from animaltrack.timefmt import from_iso, to_iso

DateTime = NewType("DateTime", int)
"""An instant: milliseconds since the Unix epoch, UTC."""


def _shown(value: object) -> str:
    """A value as a message may quote it: short, whatever the client sent."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_datetime(value: object) -> int:
    example = "write it like 2026-05-03T14:00:00.000Z or 2026-05-03T15:00:00+01:00"
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f"A DateTime is text; {example}")
    try:
        ts = from_iso(value)
    except ValueError:
        raise StrawberryInputCoercionError(
            f"'{_shown(value)}' is not a DateTime with a time zone offset; {example}"
        ) from None
    if ts < 0:
        raise StrawberryInputCoercionError(
            f"'{_shown(value)}' is before 1970-01-01; AnimalTrack records times from 1970 on"
        )
    return ts


DATETIME_SCALAR: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description=(
        "An instant, written YYYY-MM-DDTHH:MM:SS.sssZ (UTC); read only with an explicit offset"
        " (Z or ±HH:MM)."
    ),
    serialize=to_iso,
    parse_value=_parse_datetime,
)

_DECIMAL_TEXT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")


def _parse_decimal(value: object) -> decimal.Decimal:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _DECIMAL_TEXT.fullmatch(text.strip()):
        raise StrawberryInputCoercionError(
            f"'{_shown(value)}' is not a Decimal; write plain digits with an optional point,"
            ' such as "12.5" (at most 15 digits before the point and 6 after, no exponent)'
        )
    return decimal.Decimal(text.strip())


DECIMAL_SCALAR: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        'A decimal number written as text, such as "12.5": plain digits with an optional point,'
        " at most 15 digits before it and 6 after, no exponent."
    ),
    serialize=str,
    parse_value=_parse_decimal,
)

Long = NewType("Long", int)
"""An integer that may pass 2^31 (grams, cents); a JSON number up to 2^53."""

MAX_LONG = 2**53


def _long(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_LONG:
        raise StrawberryInputCoercionError(
            f"'{_shown(value)}' is not a Long: a whole number between -2^53 and 2^53"
        )
    return value


LONG_SCALAR: ScalarDefinition = strawberry.scalar(
    name="Long",
    description=(
        "A whole number that can pass 2^31 (grams, cents): a JSON number between -2^53 and 2^53,"
        " exact in every JSON reader."
    ),
    serialize=_long,
    parse_value=_long,
)

DATE_SCALAR: ScalarDefinition = dataclasses.replace(
    DateDefinition,
    description=(
        "A calendar day, written YYYY-MM-DD, in the farm's time zone (Europe/Lisbon unless the"
        " server is set otherwise): the day runs from local midnight to local midnight."
    ),
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    datetime.date: DATE_SCALAR,
    DateTime: DATETIME_SCALAR,
    decimal.Decimal: DECIMAL_SCALAR,
    Long: LONG_SCALAR,
}

__all__ = ["JSON", "SCALAR_MAP", "DateTime", "Long"]
