"""Strawberry's ASGI view, fitted to AnimalTrack: context, explorer page, busy database, WS auth.

What it changes from `strawberry.asgi.GraphQL`, and why:

- `get_context` hands the request, the app's one database handle, the authenticated user (put on
  `scope["state"]` by the auth middleware) and the settings to `resolvers.context.build_context`.
- `render_graphql_ide` serves our offline GraphiQL page instead of the CDN-loading stock one.
- A query string on GET never executes an operation (`allow_queries_via_get=False`): GET is
  the public explorer page, and operations go by POST, where authentication is enforced.
- SQLite still locked after its busy timeout — raised by a resolver (it reaches us as a GraphQL
  error) or while building the context — becomes `DatabaseBusy`, which the app answers with
  503 and `Retry-After` (SPEC §13), instead of a 200 carrying an opaque error.
- Operations sent by POST run on a worker thread with its own connection, within a deadline
  (`resolvers/execution.py`), so a slow one never stalls the event loop and the requests
  behind it; one stopped at the deadline is answered `TIMEOUT`.
- Only graphql-transport-ws is spoken. A WebSocket whose handshake carried no credentials must
  send its token in the `connection_init` payload (`{"Authorization": "Bearer ..."}`, as
  GraphiQL does with its Headers tab); without a valid one the socket is closed with 4401
  before anything runs. The context is then rebuilt with the user. A socket lives only as long
  as its credentials: they are checked again every quarter second, and a revoked token's socket
  is closed with 4401. At most 20 operations run on one socket.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
from datetime import timedelta
from typing import Any

import sqlite_utils
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.auth import AuthenticationFailed, Authenticator
from resolvers.context import Context, build_context
from resolvers.execution import OperationTimedOut, Workers
from resolvers.failures import timeout_error
from resolvers.http_errors import DatabaseBusy, is_busy
from tools.settings import Settings

WS_UNAUTHORIZED = 4401
MAX_SUBSCRIPTIONS_PER_SOCKET = 20
# How often an open socket checks that its credentials still hold (SPEC §13: a revoked token's
# socket is closed within a second). One indexed lookup per socket per period.
CREDENTIALS_CHECK_S = 0.25
CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)  # a socket that never says who it is goes


class _AuthenticatingTransportWS(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws handler that settles who the client is at `connection_init`, and
    closes the socket (4401) as soon as those credentials stop holding (a revoked token)."""

    credentials_check: asyncio.Task | None = None

    async def handle_connection_init(self, message) -> None:
        view: AnimalTrackGraphQL = self.view  # type: ignore[assignment]
        ws: WebSocket = self.websocket.ws  # type: ignore[attr-defined]
        state = ws.scope.setdefault("state", {})
        if self.connection_init_received:
            await super().handle_connection_init(message)  # refused there (4429)
            return
        payload = message.get("payload") or {}
        if state.get("user") is None:
            try:
                if not isinstance(payload, dict):
                    raise AuthenticationFailed("The connection_init payload must be an object")
                state["user"] = view.authenticator.from_connection_params(payload)
            except AuthenticationFailed as error:
                await self.websocket.close(code=WS_UNAUTHORIZED, reason=error.message[:120])
                return
            self.context = await view.get_context(ws, ws)
            recheck = functools.partial(view.authenticator.from_connection_params, payload)
        else:
            client = ws.scope.get("client")
            recheck = functools.partial(
                view.authenticator.authenticate, client[0] if client else None, ws.headers
            )
        self.credentials_check = asyncio.create_task(self._close_when_refused(recheck))
        await super().handle_connection_init(message)

    async def _close_when_refused(self, recheck) -> None:
        while True:
            await asyncio.sleep(CREDENTIALS_CHECK_S)
            try:
                recheck()
            except AuthenticationFailed as error:
                await self.websocket.close(code=WS_UNAUTHORIZED, reason=error.message[:120])
                return

    async def shutdown(self) -> None:
        if self.credentials_check is not None:
            self.credentials_check.cancel()
        await super().shutdown()


class AnimalTrackGraphQL(GraphQL):
    graphql_transport_ws_handler_class = _AuthenticatingTransportWS

    def __init__(
        self,
        schema: BaseSchema,
        *,
        db: sqlite_utils.Database,
        settings: Settings,
        authenticator: Authenticator,
        explorer_html: str,
        workers: Workers,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_SOCKET,
        )
        self.db = db
        self.settings = settings
        self.authenticator = authenticator
        self.explorer_html = explorer_html
        self.workers = workers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except sqlite3.OperationalError as error:
            if is_busy(error):
                raise DatabaseBusy(str(error)) from error
            raise

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        user = request.scope.get("state", {}).get("user")
        return build_context(request, db=self.db, user=user, settings=self.settings)

    async def execute_single(  # noqa: PLR0917 (Strawberry's signature)
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's `execute_single`, run synchronously on a worker (see the module doc)."""
        allowed = OperationType.from_http(request_adapter.method)
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed = allowed - {OperationType.QUERY}

        def run(db: sqlite_utils.Database) -> ExecutionResult:
            return self.schema.execute_sync(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context.on_connection(db),
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )

        try:
            return await self.workers.run(run)
        except OperationTimedOut:
            entry = timeout_error()
            return ExecutionResult(
                data=None, errors=[GraphQLError(entry["message"], extensions=entry["extensions"])]
            )
        except CannotGetOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason(request_adapter.method)) from e
        except MissingQueryError as e:
            raise HTTPException(400, "No GraphQL query found in the request") from e

    def decode_json(self, data: str | bytes) -> object:
        """JSON nested too deep for the parser is bad JSON (400 / close 4400), not a crash."""
        try:
            return super().decode_json(data)
        except RecursionError:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from None

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self.explorer_html)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        for error in result.errors or ():
            if error.original_error is not None and is_busy(error.original_error):
                raise DatabaseBusy(str(error.original_error)) from error.original_error
        return await super().process_result(request, result)
