"""Refuse request bodies over a limit (1 MiB by default, SPEC §13) with HTTP 413.

A declared `Content-Length` over the limit is refused before a byte of the body is read. A body
without one (chunked) is counted as it streams in; the moment it passes the limit the read is
cut off and the client gets 413, so an endless upload never fills memory. WebSocket frames are
bounded separately, by uvicorn's `ws_max_size`.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.http_errors import payload_too_large

MAX_BODY_BYTES = 1024 * 1024


class _BodyTooLarge(Exception):
    """Raised from `receive` inside the app once the streamed body passes the limit."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await payload_too_large(self.max_bytes)(scope, receive, send)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if response_started:  # the app answered before reading it all; nothing to fix
                raise
            await payload_too_large(self.max_bytes)(scope, receive, send)
