"""The one mapping from domain errors (`animaltrack.errors`) to the API's errors (SPEC §13).

Two halves, side by side so they can never disagree:

* **Mutations**: each domain error class becomes a typed member of the mutation's result union
  (`ValidationError`, `NotFound`, …), converted by Strawberry's exception handlers
  (`EXCEPTION_HANDLERS`, given once to `strawberry.Schema(exception_handlers=...)`). Strawberry
  converts only when the field's union holds the handler's error type; the last handler turns any
  other domain refusal into a `ValidationError`, so a user mistake in a mutation is always a union
  member (HTTP 200), never an `errors` entry. Resolvers do not catch.
* **Queries**: a domain error raised while resolving a query argument (a filter that does not
  parse, a negative window, `first` above the cap) stays a GraphQL error; `DomainErrorCodes`
  adds `extensions.code` (and `field` or `position`) from the same table, and names the field
  in the message as the union members do (`api_message`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from animaltrack import errors as domain

# -- GraphQL error types -------------------------------------------------------------------------


@strawberry.interface(
    description="A refusal the user can act on; `message` says what to do. Nothing was recorded."
)
class UserError:
    message: str = strawberry.field(description="What is wrong and what to do, in plain words.")


@strawberry.type(description="The input is wrong; `field` names the input at fault.")
class ValidationError(UserError):
    field: str | None = strawberry.field(
        description="The input field at fault, in camelCase (a key of an edit's payload as"
        " `payload.keyName`); null when no single field is."
    )


@strawberry.type(description="Something the command names does not exist.")
class NotFound(UserError):
    pass


@strawberry.type(description="Your role does not allow this.")
class Forbidden(UserError):
    pass


@strawberry.type(description="The time lies more than 5 minutes ahead of the server's clock.")
class ClockSkew(UserError):
    pass


@strawberry.type(
    description="The animals the filter selects now differ from those the client saw (some were"
    " added or removed); resubmit with `confirmed: true` to act on `currentAnimalIds`. A roster"
    " hash made for another location, or not by the `selection` query, is a `ValidationError`"
    " on `rosterHash` instead."
)
class SelectionMismatch(UserError):
    added: list[strawberry.ID] = strawberry.field(
        description="Ids the server selects that the client did not have."
    )
    removed: list[strawberry.ID] = strawberry.field(
        description="Ids the client had that are no longer selected."
    )
    current_animal_ids: list[strawberry.ID] = strawberry.field(
        description="What the filter selects now, by id, in ascending order."
    )
    current_roster_hash: str = strawberry.field(
        description="The roster hash of `currentAnimalIds`, to send with them."
    )
    current_count: int = strawberry.field(description="How many animals the filter selects now.")


@strawberry.type(description="The selection filter does not parse.")
class FilterSyntaxError(UserError):
    position: int = strawberry.field(description="0-based offset of the problem in the filter.")


@strawberry.type(
    description="The change would make an event already recorded break its rules (for example"
    " a backdated death before a recorded move of the same animal)."
)
class HistoryConflict(UserError):
    conflicting_event_ids: list[strawberry.ID] = strawberry.field(
        description="The recorded events that would no longer hold."
    )


@strawberry.type(description="The event was edited since the version the edit was based on.")
class VersionConflict(UserError):
    current_version: int = strawberry.field(
        description="The event's version now; look at it before editing again."
    )


@strawberry.type(
    description="Later events depend on the one to delete; delete those first, or (admins)"
    " delete with `cascade`."
)
class DependentEvents(UserError):
    dependent_event_ids: list[strawberry.ID] = strawberry.field(
        description="The later events that depend on it."
    )


def api_field(field: str | None) -> str | None:
    """A domain field name as the client wrote it: `resolved_ids` → `resolvedIds`."""
    if field is None:
        return None
    return ".".join(to_camel_case(part) for part in field.split("."))


# -- the table: domain class → (GraphQL type, code, converter) ------------------------------------


def _mismatch(error: domain.SelectionMismatchError) -> SelectionMismatch:
    result = error.result
    return SelectionMismatch(
        message=error.message,
        added=list(result.diff.added),
        removed=list(result.diff.removed),
        current_animal_ids=list(result.resolved_ids),
        current_roster_hash=result.roster_hash,
        current_count=len(result.resolved_ids),
    )


def api_message(error: domain.AnimalTrackError) -> str:
    """The message as the API says it: a refusal that names its field names it in camelCase
    (`resolvedIds: ...`, not the domain's `resolved_ids: ...`)."""
    field, reason = getattr(error, "field", None), getattr(error, "reason", None)
    if isinstance(error, domain.ValidationError) and field and reason:
        return f"{api_field(field)}: {reason}"
    return error.message


MAPPING: dict[type[domain.AnimalTrackError], tuple[type, str, Callable[[Any], Any]]] = {
    domain.ValidationError: (
        ValidationError,
        "VALIDATION",
        lambda e: ValidationError(message=api_message(e), field=api_field(e.field)),
    ),
    domain.ParseError: (
        FilterSyntaxError,
        "FILTER_SYNTAX",
        lambda e: FilterSyntaxError(message=e.message, position=e.position),
    ),
    domain.NotFoundError: (NotFound, "NOT_FOUND", lambda e: NotFound(message=e.message)),
    domain.ForbiddenError: (Forbidden, "FORBIDDEN", lambda e: Forbidden(message=e.message)),
    domain.ClockSkewError: (ClockSkew, "CLOCK_SKEW", lambda e: ClockSkew(message=e.message)),
    domain.SelectionMismatchError: (SelectionMismatch, "SELECTION_MISMATCH", _mismatch),
    domain.HistoryConflict: (
        HistoryConflict,
        "HISTORY_CONFLICT",
        lambda e: HistoryConflict(
            message=e.message, conflicting_event_ids=list(e.conflicting_event_ids)
        ),
    ),
    domain.VersionConflict: (
        VersionConflict,
        "VERSION_CONFLICT",
        lambda e: VersionConflict(message=e.message, current_version=e.current_version),
    ),
    # Raised by `import`, an operator tool; no API operation reads a history file today.
    domain.HistoryFileError: (
        ValidationError,
        "HISTORY_FILE",
        lambda e: ValidationError(message=e.message, field=None),
    ),
    domain.DependentEvents: (
        DependentEvents,
        "DEPENDENT_EVENTS",
        lambda e: DependentEvents(
            message=e.message, dependent_event_ids=list(e.dependent_event_ids)
        ),
    ),
}

# The members every mutation union holds, and the extra ones by kind of mutation (SPEC §13).
COMMON_ERRORS = (ValidationError, NotFound, Forbidden, ClockSkew)
SELECTION_ERRORS = (SelectionMismatch, FilterSyntaxError)


# -- mutations: Strawberry exception handlers ----------------------------------------------------


class DomainErrorHandler(strawberry.ExceptionHandler):
    """Converts one domain error class into its GraphQL error type (built from `MAPPING`)."""

    def __init__(self, exception_type: type[domain.AnimalTrackError], error_type: type, convert):
        self.exception_type = exception_type
        self.error_type = error_type
        self._convert = convert

    def handle(self, exception, *, field, info):
        return self._convert(exception)


def _fallback(error: domain.AnimalTrackError) -> ValidationError:
    return ValidationError(
        message=api_message(error), field=api_field(getattr(error, "field", None))
    )


EXCEPTION_HANDLERS: tuple[DomainErrorHandler, ...] = (
    *(
        DomainErrorHandler(exception_type, error_type, convert)
        for exception_type, (error_type, _code, convert) in MAPPING.items()
    ),
    # Last: a domain refusal whose own type the union lacks is still a union member.
    DomainErrorHandler(domain.AnimalTrackError, ValidationError, _fallback),
)


# -- queries: extensions.code on GraphQL errors -----------------------------------------------


def error_extensions(error: domain.AnimalTrackError) -> dict[str, Any]:
    """`extensions` for a domain error surfacing as a GraphQL error."""
    code = next(
        (code for kind, (_type, code, _convert) in MAPPING.items() if isinstance(error, kind)),
        "VALIDATION",
    )
    extensions: dict[str, Any] = {"code": code}
    if isinstance(error, domain.ValidationError):
        extensions["field"] = api_field(error.field)
    if isinstance(error, domain.ParseError):
        extensions["position"] = error.position
    return extensions


def is_domain_error(error: GraphQLError) -> bool:
    return isinstance(error.original_error, domain.AnimalTrackError)


class DomainErrorCodes(SchemaExtension):
    """Adds `extensions.code` (and `field` / `position`) to GraphQL errors from domain errors:
    after a query or mutation runs, and on each result a subscription streams."""

    def on_execute(self):
        yield
        self._code(self.execution_context.result)

    def on_stream_result(self, result):
        self._code(result)
        yield

    @staticmethod
    def _code(result) -> None:
        for error in (result.errors or []) if result else []:
            if is_domain_error(error):
                error.message = api_message(error.original_error)
                error.extensions = {
                    **(error.extensions or {}),
                    **error_extensions(error.original_error),
                }
