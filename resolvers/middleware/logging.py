"""One log line per request: method, path, status, milliseconds, user (SPEC §15 log format).

`text` reads well in a terminal (`POST /graphql 200 3.1ms user=ines`); `json` is one object per
line for a log collector. The line is formatted here rather than by a `logging.Formatter`, so the
choice travels with the middleware and a test can read it from `caplog`. It is written when the
response is finished (for a WebSocket: when the connection closes), after the authentication
middleware inside has put the user on `scope["state"]`. uvicorn's own access log is switched off
by `serve`, so each request is logged once.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER_NAME = "animaltrack.http"
logger = logging.getLogger(LOGGER_NAME)


def format_line(
    log_format: str, method: str, path: str, status: int, ms: float, user: str | None
) -> str:
    if log_format == "json":
        fields = {"method": method, "path": path, "status": status, "ms": round(ms, 1)}
        return json.dumps({**fields, "user": user}, separators=(",", ":"))
    return f"{method} {path} {status} {ms:.1f}ms user={user or '-'}"


def configure_request_log(stream=None) -> None:
    """Send request lines to stderr as they are (the line is already formatted); idempotent."""
    if any(getattr(h, "_animaltrack", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._animaltrack = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log_format: str = "text") -> None:
        self.app = app
        self.log_format = log_format

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
            elif kind == "websocket.close" and status == 500:
                status = 403  # closed before accepting: the handshake was refused
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            user = state.get("user")
            method = scope.get("method", "WS")
            ms = (time.perf_counter() - started) * 1000
            line = format_line(
                self.log_format, method, scope["path"], status, ms, getattr(user, "username", None)
            )
            logger.info(line)
