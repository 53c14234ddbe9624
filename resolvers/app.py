"""The Starlette application factory and `serve` (SPEC §13).

`create_app` only composes: routes (`/graphql` for POST, the explorer page and the WebSocket;
`/healthz`; `/static` for the explorer's assets), the middleware stack and the one error handler.
The app's own connection (`app.state.db`) serves what runs on the event loop: authentication and
subscriptions. Operations sent by POST run on worker threads, each with its own connection
(`resolvers/execution.py`), so one slow request never stalls the others; under `serve --workers
N`, mutations go to the one writer process instead (`resolvers/writer.py`). Writers take turns
on locks of their own, across threads and across the server's processes
(`store/transactions.py`); SQLite's (WAL, `busy_timeout`) orders them and other processes such
as `animaltrack backup`.

Middleware, outermost first: security headers (on every answer, the refusals included), request
log (so it sees every status, 401 and 413 included), with `--dev` the loopback-only check of
`Host` and `Origin`, the body's size and time limits (before any database lookup),
authentication. Starlette's `ServerErrorMiddleware` wraps them all and answers 500 for anything
unexpected; the refusals a view raises (a busy database, a subscription sent by POST) have their
handlers here.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.schema import BaseSchema

from resolvers.auth import DEV_USERNAME, Authenticator
from resolvers.execution import Workers
from resolvers.explorer import STATIC_DIR, explorer_html
from resolvers.failures import OPERATION_TIMEOUT_S
from resolvers.http_errors import (
    DatabaseBusy,
    database_busy_handler,
    quiet_refused_handshakes,
)
from resolvers.limits import caching_extensions, protection_extensions
from resolvers.middleware.auth import AuthMiddleware
from resolvers.middleware.body_limit import BODY_TIMEOUT_S, MAX_BODY_BYTES, BodyLimitMiddleware
from resolvers.middleware.logging import RequestLogMiddleware, configure_request_log
from resolvers.middleware.loopback_only import LoopbackOnlyMiddleware
from resolvers.middleware.security_headers import SecurityHeadersMiddleware
from resolvers.processes import Supervisor
from resolvers.view import AnimalTrackGraphQL
from resolvers.writer import MutationWriter, WriterAddress, WriterClient
from store import connect
from store.settings import Settings
from store.tokens import ensure_user
from store.transactions import take_turns_across_processes


def default_schema() -> BaseSchema:
    """The AnimalTrack schema with the query limits of SPEC §13, built per request."""
    from resolvers.schema import build_schema

    return build_schema(extensions=[*protection_extensions(), *caching_extensions()])


async def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability: reading the schema table touches the file."""
    try:
        request.app.state.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as error:  # any failure means "not healthy", and says why
        return JSONResponse({"status": "unavailable", "error": str(error)}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    dev: bool = False,
    schema: BaseSchema | None = None,
    operation_timeout_s: float = OPERATION_TIMEOUT_S,
    body_timeout_s: float = BODY_TIMEOUT_S,
    writer: WriterAddress | None = None,
) -> Starlette:
    """Build the app on the (already migrated) database at `settings.db_path`.

    `operation_timeout_s` is the deadline of one operation (SPEC §13: 10 s), `body_timeout_s`
    the time a request body may take to arrive (30 s); tests shorten them. With `writer`, the
    mutations go to that writer process (`resolvers/writer.py`); without, they run here.

    With `dev`, the admin user `dev` is created if missing and local requests without
    credentials act as it.
    """
    db = connect(settings.db_path)
    take_turns_across_processes(db)
    if dev:
        ensure_user(db, DEV_USERNAME, "admin")
    authenticator = Authenticator(
        db, trusted_proxies=settings.trusted_proxies, auth_header=settings.auth_header, dev=dev
    )
    workers = Workers(
        settings.db_path, timeout_s=operation_timeout_s, prepare=take_turns_across_processes
    )
    writer_client = WriterClient(writer, operation_timeout_s) if writer is not None else None
    graphql = AnimalTrackGraphQL(
        schema if schema is not None else default_schema(),
        db=db,
        settings=settings,
        authenticator=authenticator,
        explorer_html=explorer_html(dev=dev),
        workers=workers,
        writer=writer_client,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            workers.close()
            if writer_client is not None:
                writer_client.close()
            db.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(RequestLogMiddleware, log_format=settings.log_format),
            *([Middleware(LoopbackOnlyMiddleware)] if dev else []),
            Middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES, timeout_s=body_timeout_s),
            Middleware(AuthMiddleware, authenticator=authenticator),
        ],
        exception_handlers={
            DatabaseBusy: database_busy_handler,
        },
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.workers = workers
    app.state.settings = settings
    app.state.dev = dev
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uvicorn_config(app: Starlette, host: str, port: int, **overrides) -> uvicorn.Config:
    """The server options AnimalTrack relies on, shared by `serve` and the tests.

    `proxy_headers=False`: the peer address must be the real TCP peer, because the trusted-proxy
    rule and `--dev` decide on it (uvicorn would otherwise take it from X-Forwarded-For).
    `access_log=False`: the request-log middleware writes one line per request instead.
    `ws_max_size`: the body limit, for WebSocket messages.
    """
    options = dict(
        host=host,
        port=port,
        proxy_headers=False,
        access_log=False,
        server_header=False,
        ws_max_size=MAX_BODY_BYTES,
        lifespan="on",
    )
    options.update(overrides)
    quiet_refused_handshakes()
    return uvicorn.Config(app, **options)


# How `serve` tells its worker processes to act as `--dev`; the settings go as ANIMALTRACK_*.
_DEV_VARIABLE = "ANIMALTRACK_SERVE_DEV"


def worker_app(writer: WriterAddress) -> Starlette:
    """The app of one of `serve`'s processes, each started afresh: from the settings `serve`
    handed down in the environment, its mutations going to the writer process."""
    configure_request_log()
    return create_app(Settings.from_env(), dev=os.environ.get(_DEV_VARIABLE) == "1", writer=writer)


def writer_process(writer: WriterAddress, ready) -> None:
    """The writer process of `serve`: the mutations of every worker, one at a time."""
    configure_request_log()
    MutationWriter(Settings.from_env(), default_schema(), OPERATION_TIMEOUT_S).serve(writer, ready)


def serve(
    settings: Settings, host: str | None = None, port: int | None = None, dev: bool = False
) -> None:
    """Run the API under uvicorn until interrupted. `--dev` binds to 127.0.0.1 only.

    With `settings.workers` above 1, that many processes serve the address
    (`resolvers/processes.py`): each has its own connections and worker threads, so requests
    run side by side on several cores, a writer process runs the mutations of them all
    (`resolvers/writer.py`), and every process's subscriptions follow the log
    (`resolvers/log_feed.py`)."""
    if dev:
        if host is not None and not _is_loopback(host):
            raise ValueError(f"--dev binds to 127.0.0.1 only; drop --host {host} or --dev")
        host = "127.0.0.1"
    host = host or settings.host
    port = port if port is not None else settings.port
    configure_request_log()
    dev_user_created = _ensure_dev_user(settings) if dev else False

    def announce(port: int) -> None:
        processes = (
            f"{settings.workers} processes and a writer" if settings.workers > 1 else "one process"
        )
        print(
            f"AnimalTrack: serving http://{host}:{port}/graphql (database {settings.db_path},"
            f" {processes})",
            flush=True,
        )
        if dev:
            created = "created it" if dev_user_created else "it already existed"
            print(
                f"Development mode: requests from this machine without a token act as the admin"
                f" user '{DEV_USERNAME}' ({created}).",
                flush=True,
            )

    if settings.workers == 1:
        announce(port)
        uvicorn.Server(uvicorn_config(create_app(settings, dev=dev), host, port)).run()
        return
    os.environ.update(settings.environment(), **{_DEV_VARIABLE: "1" if dev else "0"})
    Supervisor(settings.workers, host, port).run(on_ready=announce)


def _ensure_dev_user(settings: Settings) -> bool:
    """Create the admin user `dev` if missing; whether it was created now."""
    db = connect(settings.db_path)
    try:
        return ensure_user(db, DEV_USERNAME, "admin")
    finally:
        db.close()
