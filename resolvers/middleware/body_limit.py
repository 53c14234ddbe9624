"""Refuse a request body over 1 MiB (413) or one not received within 30 s (408) (SPEC §13).

Size: a declared `Content-Length` over the limit is refused before a byte of the body is read.
A body without one (chunked) is counted as it streams in; the moment it passes the limit the
read is cut off and the client gets 413, so an endless upload never fills memory. WebSocket
frames are bounded separately, by uvicorn's `ws_max_size`.

Time: a body sent slowly (a byte a second keeps a connection open for a week) would hold the
connection and its request for as long as the client likes; uvicorn has no such limit of its
own. The whole body must arrive within `timeout_s` of the request's headers, else the read is
cut off and the client gets 408 with `Connection: close`, so the socket goes too. The body is
read on the event loop before any operation starts, so a slow one never holds a worker thread
(`resolvers/execution.py`); the time limit only frees the connection sooner. Once the body is
complete, `receive` is passed through untouched (a response may wait on it for a disconnect).
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.http_errors import payload_too_large, request_timeout

MAX_BODY_BYTES = 1024 * 1024
BODY_TIMEOUT_S = 30.0


class _BodyRefused(Exception):
    """Raised from `receive` inside the app once the body passes a limit; carries the answer."""

    def __init__(self, answer) -> None:
        self.answer = answer


class BodyLimitMiddleware:
    def __init__(
        self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, timeout_s: float = BODY_TIMEOUT_S
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await payload_too_large(self.max_bytes)(scope, receive, send)
            return

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        received = 0
        body_complete = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, body_complete
            if body_complete:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _BodyRefused(request_timeout(self.timeout_s)) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyRefused(payload_too_large(self.max_bytes))
                body_complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyRefused as refused:
            if response_started:  # the app answered before reading it all; nothing to fix
                raise
            await refused.answer(scope, receive, send)
