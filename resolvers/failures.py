"""Failures that are nobody's input mistake: timeouts and the unexpected (SPEC §13 Errors).

A user mistake is a union member (mutations) or a coded GraphQL error (`schema/errors.py`);
graphql-core's own syntax, validation and coercion errors keep their wording. What is left is
answered here, in one place:

- a statement stopped at the operation's deadline (`resolvers/execution.py`) → `TIMEOUT`;
- anything else raised while resolving a field → `INTERNAL`, with the request id and a message
  that never carries the exception's text (it may hold SQL, paths or a stored value). The
  exception itself goes to the log with its traceback and the same request id, so an operator
  can find it.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from animaltrack.errors import AnimalTrackError
from resolvers.http_errors import is_busy

logger = logging.getLogger("animaltrack.errors")

_SQLITE_INTERRUPT = 9

OPERATION_TIMEOUT_S = 10
TIMEOUT_MESSAGE = (
    f"The operation ran longer than {OPERATION_TIMEOUT_S} s and was stopped; nothing was changed"
    " by it. Ask for less (a smaller `first`, a narrower filter or time range) or split it."
)


def new_request_id() -> str:
    """A short id that ties a client's `INTERNAL` answer to the server's log line."""
    return uuid.uuid4().hex[:16]


def internal_message(request_id: str) -> str:
    return (
        f"Something went wrong on the server (request {request_id}); it has been logged."
        " Try again, and tell the farm's administrator the request id if it keeps happening."
    )


def timeout_error() -> dict[str, Any]:
    """The `errors` entry of an operation stopped at its deadline."""
    return {"message": TIMEOUT_MESSAGE, "extensions": {"code": "TIMEOUT"}}


def is_interrupted(error: BaseException | None) -> bool:
    """SQLite stopped a statement because the progress handler said the deadline passed."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    return code == _SQLITE_INTERRUPT if code is not None else str(error) == "interrupted"


def is_unexpected(error: GraphQLError) -> bool:
    """Raised by our code while resolving a field, and not a refusal we meant to make.

    Errors without a path are graphql-core's (syntax, validation, input coercion): the client's
    document is at fault and the message says how, in graphql-core's words.
    """
    original = error.original_error
    if error.path is None or original is None:
        return False
    if isinstance(original, AnimalTrackError | GraphQLError):
        return False
    return not (is_busy(original) or is_interrupted(original))


def request_id_of(execution_context) -> str:
    context = getattr(execution_context, "context", None)
    return getattr(context, "request_id", None) or new_request_id()


def log_unexpected(errors: list[GraphQLError], execution_context) -> None:
    """Log each unexpected error once, with its traceback and the request id."""
    request_id = request_id_of(execution_context)
    for error in errors:
        if is_unexpected(error):
            path = ".".join(str(p) for p in error.path or ())
            logger.error(
                "Unexpected error in request %s at %s",
                request_id,
                path,
                exc_info=error.original_error,
            )


class TypedFailures(SchemaExtension):
    """Rewrites timeouts and unexpected errors into `TIMEOUT` / `INTERNAL` entries, after
    `Schema.process_errors` has logged the originals."""

    def on_operation(self):
        yield
        self._rewrite(self.execution_context.result)

    def on_stream_result(self, result):
        """Each result a subscription streams, before it is sent (Strawberry's `process_errors`
        has logged it)."""
        self._rewrite(result)
        yield

    def _rewrite(self, result) -> None:
        if not result or not result.errors:
            return
        request_id = request_id_of(self.execution_context)
        result.errors = [self._typed(error, request_id) for error in result.errors]

    def _typed(self, error: GraphQLError, request_id: str) -> GraphQLError:
        if is_interrupted(error.original_error):
            entry = timeout_error()
            return GraphQLError(
                entry["message"], error.nodes, path=error.path, extensions=entry["extensions"]
            )
        if is_unexpected(error):
            return GraphQLError(
                internal_message(request_id),
                error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL", "requestId": request_id},
            )
        return error
