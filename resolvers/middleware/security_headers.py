"""Headers that keep a browser from framing the explorer or running anything foreign in it.

The explorer page (`GET /graphql`) holds a token pasted into its Headers tab and, under `--dev`,
acts as the admin. `X-Frame-Options: DENY` and `frame-ancestors 'none'` keep another site from
framing it to trick a click; the Content-Security-Policy lets it run scripts and fetch only from
this server (`'self'`, which covers its own WebSocket), so an injected script or a CDN could
not be used even if a stored value were ever rendered as markup. The page has no inline script
(`static/explorer.js`), so `script-src 'self'` holds.

GraphiQL 3's dialogs (Radix UI) lock the page's scrolling with a `<style>` element they add,
which `style-src 'self'` blocks (the browser test opens one): styles therefore also allow
`'unsafe-inline'`. Styles cannot run code; scripts stay `'self'` only. The favicon is `data:`.

One policy for every response: the JSON answers are not pages, and a policy that forbids
everything to them costs nothing, while serving one policy means no route can be missed.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_RESPONSE_STARTS = ("http.response.start", "websocket.http.response.start")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = SECURITY_HEADERS if headers is None else headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] in _RESPONSE_STARTS:
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
