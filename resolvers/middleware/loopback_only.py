"""`--dev` answers only requests a page on another site cannot make (SPEC §13).

`--dev` treats a local peer as the admin `dev`. A web page on any site can make the farmer's own
browser that local peer: by DNS rebinding (its name resolves to 127.0.0.1, the browser sends
`Host: attacker.example`) or by posting across origins (`Origin: https://attacker.example`),
and browsers do not apply the same-origin rule to WebSockets at all. So under `--dev`:

- every request (HTTP and WebSocket) must name the loopback in `Host`: `127.0.0.1`,
  `localhost` or `[::1]`, with or without a port;
- a POST or a WebSocket whose `Origin` is present must come from such a loopback origin.

Anything else is refused with 403 before it reaches authentication. Without `--dev` this
middleware is not installed: tokens, which a page cannot read, guard the server.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.http_errors import deny_websocket, error_response

_LOOPBACK_HOST = re.compile(r"(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?", re.IGNORECASE)


def is_loopback_host(host: str | None) -> bool:
    return host is not None and _LOOPBACK_HOST.fullmatch(host) is not None


def is_loopback_origin(origin: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.netloc)


def refusal(scope: Scope) -> str | None:
    """Why the request must be refused under `--dev`, or None."""
    headers = Headers(scope=scope)
    if not is_loopback_host(headers.get("host")):
        return "The development server answers only requests to 127.0.0.1, localhost or [::1]"
    origin = headers.get("origin")
    writes = scope["type"] == "websocket" or scope.get("method") == "POST"
    if writes and origin is not None and not is_loopback_origin(origin):
        return "The development server answers only pages served from this machine"
    return None


class LoopbackOnlyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or (reason := refusal(scope)) is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await deny_websocket(scope, receive, send, reason, status_code=403, code="FORBIDDEN")
        else:
            await error_response(403, reason, "FORBIDDEN")(scope, receive, send)
