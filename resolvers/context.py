"""The per-request context: database, user, settings, fresh loaders, services (STYLE.md).

`build_context` is what the Starlette app's `get_context` returns and what tests pass as
`context_value`. The user is whatever authenticated the request (`resolvers.auth.User`, with
`username` and `role`); the domain core trusts the name it is given, so roles are checked here,
in the GraphQL layer (`resolvers/roles.py`), before any service is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import strawberry

from animaltrack.events.store import EventStore
from animaltrack.projections import ProjectionRegistry, default_registry
from animaltrack.services.base import Service
from resolvers.failures import new_request_id
from resolvers.loaders import Loaders

S = TypeVar("S", bound=Service)


@dataclass
class Context:
    db: Any  # sqlite_utils.Database
    user: Any  # resolvers.auth.User: .username, .role; None when anonymous
    settings: Any  # store.settings.Settings, or None in tests
    loaders: Loaders
    request: Any = None  # the Starlette Request or WebSocket, when served
    response: Any = None
    clock: Callable[[], int] | None = field(default=None, repr=False)
    # Ties an INTERNAL answer to its log line (resolvers/failures.py).
    request_id: str = field(default_factory=new_request_id)

    @cached_property
    def event_store(self) -> EventStore:
        return EventStore(self.db, clock=self.clock)

    @cached_property
    def registry(self) -> ProjectionRegistry:
        return default_registry(self.db)

    def service(self, service_class: type[S]) -> S:
        return service_class(self.db, self.event_store, self.registry)

    def on_connection(self, db: Any) -> Context:
        """The same request on another connection (a worker thread's), with fresh loaders."""
        return dataclasses.replace(self, db=db, loaders=Loaders.for_db(db))

    def now(self) -> int:
        """The server's now, by the same clock the event store stamps events with."""
        return self.event_store.clock()


Info = strawberry.Info[Context, None]


def build_context(
    request_or_ws: Any,
    *,
    db: Any,
    user: Any,
    settings: Any,
    clock: Callable[[], int] | None = None,
) -> Context:
    """A context for one request (or one WebSocket subscription), with fresh loaders."""
    return Context(
        db=db,
        user=user,
        settings=settings,
        loaders=Loaders.for_db(db),
        request=request_or_ws,
        clock=clock,
    )
