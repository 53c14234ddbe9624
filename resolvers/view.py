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
  behind it; one stopped at the deadline is answered `TIMEOUT`. Under `serve --workers N`, a
  mutation is handed to the writer process instead (`resolvers/writer.py`), and its answer
  comes back formatted; one the writer could not answer is a busy database (503).
- A request Strawberry's HTTP layer refuses (no query, an operation by GET, a subscription by
  POST or GET) keeps its status but is answered as an `errors` entry coded `BAD_REQUEST`, not
  as plain text; a subscription's says it is served over the WebSocket. Subscriptions are not
  among the operation types a POST may run: Strawberry would otherwise run their resolver as a
  plain field and fail on the result.
- A query or mutation sent over the WebSocket (graphql-transport-ws allows it) runs the same
  way as by POST, with the same cost check and deadline: only subscriptions run on the event
  loop, where they follow the log (`resolvers/log_feed.py`).
- Only graphql-transport-ws is spoken. A WebSocket whose handshake carried no credentials must
  send its token in the `connection_init` payload (`{"Authorization": "Bearer ..."}`, as
  GraphiQL does with its Headers tab); without a valid one the socket is closed with 4401
  before anything runs. The context is then rebuilt with the user. A socket lives only as long
  as its credentials: they are checked again every quarter second, and a revoked token's socket
  is closed with 4401. At most 20 operations run on one socket.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import sqlite3
from datetime import timedelta
from typing import Any

import sqlite_utils
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError, parse
from graphql.utilities import get_operation_ast
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
from resolvers.failures import new_request_id, timeout_error
from resolvers.http_errors import (
    SUBSCRIPTION_OVER_HTTP,
    DatabaseBusy,
    bad_request,
    database_busy_error,
    is_busy,
)
from resolvers.limits import CACHED_DOCUMENTS, MAX_TOKENS
from resolvers.writer import WriterClient
from store.settings import Settings

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

    async def run_operation(self, operation) -> None:
        """A query or mutation runs on a worker, as by POST; a subscription (or a document
        Strawberry must refuse: one that does not parse, or names no single operation) goes
        Strawberry's way, on the event loop."""
        if _operation_type(operation.query, operation.operation_name) not in _RUN_ON_WORKERS:
            await super().run_operation(operation)
            return
        view: AnimalTrackGraphQL = self.view  # type: ignore[assignment]
        context = dataclasses.replace(self.context, request_id=new_request_id())
        result = await view.execute_on_worker(
            context,
            self.root_value,
            query=operation.query,
            variables=operation.variables,
            operation_name=operation.operation_name,
            allowed=_RUN_ON_WORKERS,
        )
        if any(is_busy(e.original_error) for e in result.errors or () if e.original_error):
            entry = database_busy_error()
            error = GraphQLError(entry["message"], extensions=entry["extensions"])
            result = ExecutionResult(data=None, errors=[error])
        # The answer a POST would get, as one `next` (errors included, validation's too), then
        # `complete`: one shape for every outcome, whatever the transport.
        await operation.send_next(result)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})


_RUN_ON_WORKERS = frozenset({OperationType.QUERY, OperationType.MUTATION})
# Operations as clients send them are a few hundred characters; longer ones are parsed each time.
CACHED_QUERY_CHARS = 8192


def _operation_type(query: object, operation_name: object) -> OperationType | None:
    """The type of the operation a request asks for, or None if it is unclear."""
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return None
    if len(query) > CACHED_QUERY_CHARS:  # a cache of big documents would hold them all
        return _parsed_operation_type.__wrapped__(query, operation_name)
    return _parsed_operation_type(query, operation_name)


@functools.lru_cache(maxsize=CACHED_DOCUMENTS)  # the same few documents, again and again
def _parsed_operation_type(query: str, operation_name: str | None) -> OperationType | None:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLSyntaxError:
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    return OperationType(operation.operation.value)  # graphql-core's names are Strawberry's


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
        writer: WriterClient | None = None,
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
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                await self._answer_http(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        except sqlite3.OperationalError as error:
            if is_busy(error):
                raise DatabaseBusy(str(error)) from error
            raise

    async def _answer_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's HTTP branch of `__call__`, with its refusals (plain text there) answered
        as `errors` entries coded `BAD_REQUEST`."""
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as e:
            response = bad_request(e.status_code, e.reason)
        await response(scope, receive, send)

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
        # Subscriptions live on the WebSocket only (Strawberry would also take them by HTTP,
        # as multipart, and by a plain POST fail them with an opaque error).
        allowed = OperationType.from_http(request_adapter.method) & _RUN_ON_WORKERS
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed = allowed - {OperationType.QUERY}
        try:
            return await self.execute_on_worker(
                context,
                root_value,
                query=request_data.query,
                variables=request_data.variables,
                operation_name=request_data.operation_name,
                allowed=allowed,
                extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            reason = e.as_http_error_reason(request_adapter.method)
            if e.operation_type == OperationType.SUBSCRIPTION:
                reason = SUBSCRIPTION_OVER_HTTP
            raise HTTPException(400, reason) from e
        except MissingQueryError as e:
            raise HTTPException(400, "No GraphQL query found in the request") from e

    async def execute_on_worker(  # noqa: PLR0913
        self,
        context: Context,
        root_value: Any,
        *,
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        allowed: frozenset[OperationType] | set[OperationType],
        extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run one operation synchronously on a worker's connection, within the deadline;
        past it, the answer is `TIMEOUT`. A mutation goes to the writer process, if there is
        one (`resolvers/writer.py`). Shared by POST and the WebSocket."""

        def run(db: sqlite_utils.Database) -> ExecutionResult:
            return self.schema.execute_sync(
                query,
                root_value=root_value,
                variable_values=variables,
                context_value=context.on_connection(db),
                operation_name=operation_name,
                allowed_operation_types=allowed,
                operation_extensions=extensions,
            )

        try:
            if self.writer is not None and (
                OperationType.MUTATION in allowed
                and _operation_type(query, operation_name) == OperationType.MUTATION
            ):
                forward = functools.partial(
                    self.writer.execute, context, query, variables, operation_name, extensions
                )
                return await self.workers.forward(forward)
            return await self.workers.run(run)
        except OperationTimedOut:
            entry = timeout_error()
            return ExecutionResult(
                data=None, errors=[GraphQLError(entry["message"], extensions=entry["extensions"])]
            )

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
