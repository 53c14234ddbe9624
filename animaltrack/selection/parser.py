"""Parse the selection filter language (SPEC §8) into a small, immutable AST.

A farmer picks animals with a one-line filter such as::

    species:duck location:"Strip 1" -tag:sick|lame sex:female

Grammar (whitespace means any character for which `str.isspace()` is true)::

    filter  := ws* [ term (ws+ term)* ] ws*
    term    := ["-"] field ":" value ("|" value)*
    field   := one of FIELDS, any case
    value   := '"' any-char-but-quote* '"'        (quoted: may hold spaces and '|')
             | (any-char-but-whitespace-'|'-'"')+  (bare)

Terms are ANDed; the values of one term are ORed; a leading "-" negates the whole term. There are
no escape sequences, so a value can never contain a double quote. Field names and enum values are
case-insensitive; each field's values are normalised as described on `_normalise_value`. The same
field may appear in several terms (`-tag:a -tag:b`); each term stays its own `FieldFilter`.

Every refusal is an `animaltrack.errors.ParseError` whose `position` is the 0-based offset in the
original text of the problem: the first character of an unknown field, the spot where ":" or a value
was expected, the opening quote of an unterminated quoted value, the stray character itself, or the
first character of a value that does not normalise (for a quoted value, its opening quote).

The scanner is hand-rolled rather than regex-based so that every error can name the exact offset and
say in plain words what was expected there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from animaltrack.errors import ParseError, ValidationError
from animaltrack.events.ids import is_ulid
from animaltrack.events.payloads import MAX_TEXT
from animaltrack.events.tags import normalize_tag

__all__ = ["FIELDS", "FieldFilter", "FilterAST", "normalize_tag", "parse_filter"]

FIELDS: frozenset[str] = frozenset(
    {
        "location",
        "species",
        "sex",
        "life_stage",
        "repro_status",
        "identified",
        "tag",
        "status",
        "nickname",
        "id",
    }
)

# Allowed values of the enum fields, in the order error messages list them.
_ENUMS: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male", "unknown"),
    "life_stage": ("hatchling", "juvenile", "subadult", "adult"),
    "repro_status": ("intact", "castrated", "unknown"),
    "status": ("alive", "dead", "harvested", "sold", "merged_into"),
    "identified": ("true", "false"),
}

# How an error message names a value of each enum field ("'purple' is not a sex").
_ENUM_NOUNS: dict[str, str] = {
    "sex": "a sex",
    "life_stage": "a life stage",
    "repro_status": "a reproductive status",
    "status": "a status",
    "identified": "a valid value for identified",
}

# Fields whose values keep the farmer's spelling; they are matched case-insensitively later.
_CASE_PRESERVED = frozenset({"location", "nickname"})


_QUOTE = '"'
_OR = "|"
_NOT = "-"
_COLON = ":"
# Where a field name ends, and where a bare value ends (`\s` is `str.isspace`'s whitespace).
_FIELD_END = re.compile(r'[\s:|"]')
_BARE_VALUE_END = re.compile(r'[\s|"]')


@dataclass(frozen=True)
class FieldFilter:
    """One term: `field` matches any of `values` (or, when `negated`, none of them).

    `field` is lower-case; `values` are normalised, in the order written, without duplicates.
    """

    field: str
    values: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        prefix = _NOT if self.negated else ""
        return f"{prefix}{self.field}{_COLON}{_OR.join(_format_value(v) for v in self.values)}"


@dataclass(frozen=True)
class FilterAST:
    """A parsed filter: the conjunction (AND) of its `filters`. No filters selects everything."""

    filters: tuple[FieldFilter, ...] = ()

    def has(self, field: str) -> bool:
        """Whether any term (negated or not) filters on `field`."""
        wanted = field.lower()
        return any(f.field == wanted for f in self.filters)

    def __str__(self) -> str:
        """The canonical text form; `parse_filter(str(ast)) == ast` for any parsed AST."""
        return " ".join(str(f) for f in self.filters)


def _format_value(value: str) -> str:
    """Write one value so that the scanner reads it back unchanged: quoted only when it must be."""
    if _QUOTE in value:
        # The language has no escapes, so no parsed value ever holds a quote.
        raise ValueError(f"value {value!r} contains '\"' and cannot be written as a filter")
    if value == "" or _OR in value or any(c.isspace() for c in value):
        return f"{_QUOTE}{value}{_QUOTE}"
    return value


def parse_filter(text: str) -> FilterAST:
    """Parse a filter string into a `FilterAST`; raise `ParseError` at the first problem.

    A filter longer than `MAX_TEXT` is refused before parsing: a long one would only make a huge
    SQL expression (SQLite refuses one deeper than 1 000) after seconds of work.
    """
    if len(text) > MAX_TEXT:
        raise ValidationError(
            f"The filter is {len(text):,} characters long; filters are at most {MAX_TEXT:,}.",
            field="filter",
        )
    scanner = _Scanner(text)
    filters: list[FieldFilter] = []
    scanner.skip_whitespace()
    while not scanner.at_end():
        filters.append(_parse_term(scanner))
        scanner.skip_whitespace()
    return FilterAST(tuple(filters))


class _Scanner:
    """A cursor over the original text, so every error can report an offset into what was typed."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The current character, or "" at the end (so comparisons need no bounds checks)."""
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_boundary(self) -> bool:
        """Whether the current spot ends a term: end of text or whitespace."""
        return self.at_end() or self.peek().isspace()

    def skip_whitespace(self) -> None:
        while not self.at_end() and self.peek().isspace():
            self.pos += 1

    def skip_to(self, pattern: re.Pattern) -> None:
        """Move to the next character `pattern` matches, or to the end: one C-level search
        instead of a Python step per character (a filter of 20 ids is 560 of them)."""
        found = pattern.search(self.text, self.pos)
        self.pos = found.start() if found else len(self.text)


def _parse_term(scanner: _Scanner) -> FieldFilter:
    """Parse `["-"] field ":" value ("|" value)*` starting at a non-whitespace character."""
    negated = False
    if scanner.peek() == _NOT:
        negated = True
        minus_at = scanner.pos
        scanner.pos += 1
        if scanner.at_boundary():
            raise ParseError(
                "'-' on its own; put it right before a field to exclude, e.g. -tag:sick", minus_at
            )
    field = _parse_field(scanner)
    if scanner.peek() != _COLON:
        raise ParseError(
            f"expected ':' after '{field}'; write {field}:value, e.g. {_example(field)}",
            scanner.pos,
        )
    scanner.pos += 1
    values = _parse_values(scanner, field)
    return FieldFilter(field=field, values=values, negated=negated)


def _parse_field(scanner: _Scanner) -> str:
    """Read a field name and check it is known.

    The name runs up to ':', whitespace, '|', '"' or the end, so a misspelt field such as
    `life-stage` is reported whole as unknown rather than as a missing ':' part-way through.
    """
    start = scanner.pos
    scanner.skip_to(_FIELD_END)
    name = scanner.text[start : scanner.pos]
    if not name:
        char = scanner.peek()
        hint = "; '|' separates values inside one term, e.g. sex:female|male" if char == _OR else ""
        raise ParseError(f"unexpected '{char}'; expected a field name such as tag{hint}", start)
    field = name.lower()
    if field not in FIELDS:
        raise ParseError(
            f"unknown field '{name}'; expected one of: {', '.join(sorted(FIELDS))}", start
        )
    return field


def _parse_values(scanner: _Scanner, field: str) -> tuple[str, ...]:
    """Read `value ("|" value)*`, normalise each value and drop duplicates, keeping first spellings.

    Case-preserved fields (location, nickname) are matched case-insensitively later, so values that
    differ only in case count as duplicates too.
    """
    values: list[str] = []
    seen: set[str] = set()
    while True:
        raw, start = _scan_value(scanner, field)
        value = _normalise_value(field, raw, start)
        key = value.casefold() if field in _CASE_PRESERVED else value
        if key not in seen:
            seen.add(key)
            values.append(value)
        if scanner.peek() != _OR:
            return tuple(values)
        scanner.pos += 1


def _scan_value(scanner: _Scanner, field: str) -> tuple[str, int]:
    """Read one bare or quoted value; return its text (quotes removed, trimmed) and start offset.

    Afterwards the scanner sits on '|', whitespace or the end; anything else is a stray character.
    """
    start = scanner.pos
    if scanner.at_boundary() or scanner.peek() == _OR:
        raise ParseError(f"expected a value for {field}, e.g. {_example(field)}", start)
    if scanner.peek() == _QUOTE:
        close = scanner.text.find(_QUOTE, start + 1)
        if close < 0:
            raise ParseError("this quote is never closed; add a '\"' after the value", start)
        raw = scanner.text[start + 1 : close].strip()
        if not raw:
            raise ParseError(f"expected a value for {field} between the quotes", start)
        scanner.pos = close + 1
        if not scanner.at_boundary() and scanner.peek() != _OR:
            raise ParseError(
                f"unexpected '{scanner.peek()}' after the closing quote; "
                "put a space before the next term or '|' before the next value",
                scanner.pos,
            )
        return raw, start
    scanner.skip_to(_BARE_VALUE_END)
    if scanner.peek() == _QUOTE:
        raise ParseError(
            "unexpected '\"' inside a value; quote the whole value instead, "
            'e.g. location:"Strip 1"',
            scanner.pos,
        )
    return scanner.text[start : scanner.pos], start


def _normalise_value(field: str, raw: str, position: int) -> str:
    """Turn a written value into the form the resolver compares against, or refuse it.

    Enum fields (sex, life_stage, repro_status, status, identified) are lower-cased and must be one
    of the allowed values; species is lower-cased (the resolver checks it exists); tags go through
    `normalize_tag`; ids must be ULIDs and are upper-cased; location and nickname keep the farmer's
    spelling. `position` is where the value starts, for the error.
    """
    if field in _ENUMS:
        return _normalise_enum(field, raw, position)
    return _NORMALISERS[field](raw, position)


def _normalise_enum(field: str, raw: str, position: int) -> str:
    value = raw.lower()
    allowed = _ENUMS[field]
    if value not in allowed:
        raise ParseError(
            f"'{raw}' is not {_ENUM_NOUNS[field]}; expected one of: {', '.join(allowed)}", position
        )
    return value


def _normalise_tag_value(raw: str, position: int) -> str:
    try:
        return normalize_tag(raw)
    except ValidationError as exc:
        raise ParseError(exc.message, position) from exc


def _normalise_id(raw: str, position: int) -> str:
    """Upper-case a ULID; ULIDs are 26 Crockford base32 characters and start with 0-7."""
    value = raw.upper()
    if not is_ulid(value):
        raise ParseError(
            f"'{raw}' is not an animal id; ids are 26 letters and digits, e.g. "
            "01HV8Z3K5Q2W9X7Y6T4R3P2N1M",
            position,
        )
    return value


def _keep(raw: str, position: int) -> str:
    return raw


def _lower(raw: str, position: int) -> str:
    return raw.lower()


_NORMALISERS: dict[str, Callable[[str, int], str]] = {
    "species": _lower,
    "tag": _normalise_tag_value,
    "id": _normalise_id,
    "location": _keep,
    "nickname": _keep,
}

_EXAMPLES: dict[str, str] = {
    "location": 'location:"Strip 1"',
    "species": "species:duck",
    "sex": "sex:female",
    "life_stage": "life_stage:adult",
    "repro_status": "repro_status:intact",
    "identified": "identified:true",
    "tag": "tag:sick",
    "status": "status:alive",
    "nickname": "nickname:Daisy",
    "id": "id:01HV8Z3K5Q2W9X7Y6T4R3P2N1M",
}


def _example(field: str) -> str:
    """A well-formed term for `field`, shown in error messages so the fix is obvious."""
    return _EXAMPLES[field]
