"""The schema's composition root: roots, scalars, the error mapping, and the exported SDL.

The object types, inputs, unions and the error mapping live in `schema/`; the root types
(`Query`, `Mutation`, `Subscription`) with their thin resolvers live here, in `resolvers/`. This
module is the one place that joins them, as Starlette's `applications.py` only composes a router
and middleware, so dependencies point one way: `resolvers` → `schema`. `schema/schema.graphql`
is `str(build_schema())`; `export_sdl()` rewrites it and a test fails when the two differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers.error_codes import GraphQLErrorCodes
from resolvers.failures import TypedFailures, log_unexpected
from resolvers.mutations import Mutation
from resolvers.queries import Query
from resolvers.subscriptions import Subscription
from schema.errors import EXCEPTION_HANDLERS, DomainErrorCodes
from schema.scalars import SCALAR_MAP

SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


class AnimalTrackSchema(strawberry.Schema):
    """Logs unexpected errors only, with their traceback and request id: a refused query
    argument or a document that does not validate is the client's, not a fault."""

    def process_errors(self, errors, execution_context=None) -> None:
        log_unexpected(errors, execution_context)


def build_schema(extensions: Iterable = ()) -> strawberry.Schema:
    """The AnimalTrack schema. `extensions` are Strawberry schema extensions (classes or
    factories, built per request), e.g. the query limiters of `resolvers.limits`."""
    return AnimalTrackSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=(GraphQLErrorCodes, DomainErrorCodes, TypedFailures, *extensions),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        exception_handlers=EXCEPTION_HANDLERS,
    )


def sdl() -> str:
    """The schema as SDL text, ending with a newline."""
    return str(build_schema()).rstrip("\n") + "\n"


def export_sdl(path: Path | str = SDL_PATH) -> Path:
    """Write the SDL to `path` (default `schema/schema.graphql`) and return the path."""
    path = Path(path)
    path.write_text(sdl(), encoding="utf-8")
    return path
