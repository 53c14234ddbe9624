"""HTTP-level refusals (400, 401, 408, 413, 503), built in one place, shaped like GraphQL errors.

Clients already read `{"errors": [{"message", "extensions": {"code"}}]}` from GraphQL answers,
so the refusals that happen before (or instead of) executing an operation use the same shape,
with a machine-readable `code`. Everything else — user mistakes in a mutation, bad arguments —
is a GraphQL answer with HTTP 200 (SPEC §13), not one of these.
"""

from __future__ import annotations

import logging
import sqlite3

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

RETRY_AFTER_SECONDS = 1
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6


class DatabaseBusy(Exception):
    """SQLite stayed locked past its busy timeout; the client should retry shortly."""


def is_busy(error: BaseException) -> bool:
    """True for SQLite's SQLITE_BUSY / SQLITE_LOCKED ("database is locked") errors."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(error).lower()
    return "locked" in text or "busy" in text


def error_response(
    status_code: int, message: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status_code, headers=headers)


def unauthenticated(message: str) -> JSONResponse:
    return error_response(401, message, "UNAUTHENTICATED", {"WWW-Authenticate": "Bearer"})


def payload_too_large(limit_bytes: int) -> JSONResponse:
    return error_response(
        413,
        f"Request body is larger than the limit of {limit_bytes} bytes",
        "PAYLOAD_TOO_LARGE",
        {"Connection": "close"},
    )


def request_timeout(limit_s: float) -> JSONResponse:
    return error_response(
        408,
        f"The request body did not arrive within {limit_s:g} s; send it again, all at once",
        "REQUEST_TIMEOUT",
        {"Connection": "close"},
    )


def bad_request(status_code: int, reason: str) -> JSONResponse:
    """A request Strawberry's HTTP layer refuses before running anything (bad JSON, no query, an
    operation by GET, a subscription by POST, a method or content type it does not take):
    `BAD_REQUEST`, with its own status and reason, in the shape every other refusal has."""
    return error_response(status_code, reason, "BAD_REQUEST")


def database_busy_error() -> dict:
    """The `errors` entry for a busy database (in a 503, or on a WebSocket, which has no 503):
    `UNAVAILABLE`, the service's word for "try again shortly"."""
    message = "The database is busy; retry in a moment"
    return {"message": message, "extensions": {"code": "UNAVAILABLE"}}


def database_busy() -> JSONResponse:
    entry = database_busy_error()
    return JSONResponse(
        {"errors": [entry]}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


async def database_busy_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette exception handler for `DatabaseBusy` (registered by the app factory)."""
    return database_busy()


SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions are served over the WebSocket at /graphql (protocol graphql-transport-ws),"
    " not by POST or GET. Open a WebSocket and send this operation there; to read the log's"
    " changes without one, use the query `logChanges`."
)


async def deny_websocket(
    scope: Scope,
    receive: Receive,
    send: Send,
    message: str,
    *,
    status_code: int = 401,
    code: str = "UNAUTHENTICATED",
) -> None:
    """Refuse a WebSocket handshake with an HTTP answer where the server supports it (401 by
    default), else by closing it (which the client sees as 403)."""
    websocket = WebSocket(scope, receive, send)
    if "websocket.http.response" in scope.get("extensions", {}):
        answer = (
            unauthenticated(message)
            if status_code == 401
            else error_response(status_code, message, code)
        )
        await websocket.send_denial_response(answer)
    else:
        await websocket.close(code=1008, reason=message[:120])


UVICORN_NO_HANDSHAKE = "ASGI callable returned without completing handshake."


class RefusedHandshakeIsNoError(logging.Filter):
    """Drops uvicorn's ERROR line for a WebSocket we refused with an HTTP answer.

    uvicorn's websockets-sansio protocol does not count a denial response (our 401/403 above)
    as a completed handshake, so it logs "ASGI callable returned without completing
    handshake." at ERROR for every refused socket, though the client got its answer. A refusal
    is the client's matter, not a server fault; every other uvicorn line passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != UVICORN_NO_HANDSHAKE


def quiet_refused_handshakes() -> None:
    """Install the filter on uvicorn's error logger, once."""
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, RefusedHandshakeIsNoError) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(RefusedHandshakeIsNoError())
