"""Authenticate every request that needs it; refuse the rest with 401 (SPEC §13).

Public, without credentials: `GET /graphql` without a `query` parameter (the explorer page),
`GET /static/...` (its assets) and `GET /healthz`. Everything else — POST `/graphql`, the
WebSocket, any other method or path — needs a known, active user: deny by default, so a route
added later is not public by accident.

The user goes to `scope["state"]["user"]` (`request.state.user`), where the GraphQL view picks it
up for the per-request context. A WebSocket handshake without credentials is let through with
no user, because a browser cannot set headers on a WebSocket: the GraphQL view then requires
the token in the `connection_init` payload and closes with 4401 without it. A handshake with
credentials that are wrong is refused before it is accepted.
"""

from __future__ import annotations

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.auth import TOKEN_HINT, AuthenticationFailed, Authenticator
from resolvers.http_errors import deny_websocket, unauthenticated

GRAPHQL_PATH = "/graphql"
PUBLIC_PATHS = ("/healthz",)
PUBLIC_PREFIXES = ("/static/",)


def route_path(scope: Scope) -> str:
    """The path inside the app (without a `root_path` a reverse proxy mounted it under)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def is_public(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    path = route_path(scope)
    if path == GRAPHQL_PATH:
        return "query" not in QueryParams(scope.get("query_string", b""))
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user"] = None
        if is_public(scope):
            await self.app(scope, receive, send)
            return

        client = scope.get("client")
        try:
            user = self.authenticator.authenticate(
                client[0] if client else None, Headers(scope=scope)
            )
        except AuthenticationFailed as error:
            failure = error.message
        else:
            if user is not None:
                state["user"] = user
                await self.app(scope, receive, send)
                return
            if scope["type"] == "websocket":  # may still authenticate in connection_init
                await self.app(scope, receive, send)
                return
            failure = f"Authentication required: {TOKEN_HINT}"

        if scope["type"] == "websocket":
            await deny_websocket(scope, receive, send, failure)
        else:
            await unauthenticated(failure)(scope, receive, send)
