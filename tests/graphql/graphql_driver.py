"""The GraphQL drivers of the API tests: run operations, fix the clock, mask snapshots.

One abstract client, many backends (STYLE.md): `GraphQLClient.execute(query, variables)`
answers what an HTTP client would read, a dict with `data` and, when there are any, `errors`
(each as GraphQL formats it); the helpers the tests share (`data`, `mutate`, `cohort`,
`selection`, ...) are written once on top of it. Two backends:

- `GraphQLDriver` runs the schema in-process with `execute_sync`, the server's clock fixed at
  `now`;
- `HttpGraphQLDriver` POSTs each operation to a running server (the app under uvicorn, see
  `tests/live_server.py`) over one keep-alive connection, authenticated with an API token;
  the server's clock is the real one, so every time it is given must lie in the past.

Every answer either backend reads is checked for Python, Pydantic and SQLite text and for an
`errors` entry without `extensions.code` (`tests/internal_text.py`), so the whole suite scans
the messages it provokes.

Tests that run on both write their times relative to `now` (`gql.now - DAY`), so that one
masked snapshot fits both backends; a test may instead fix an instant in the past of both
clocks (`NOW`) if it gives every time, `at` included (the worked example of egg statistics).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from typing import Any

import httpx

from animaltrack.timefmt import from_iso, to_iso
from resolvers.auth import User
from resolvers.context import build_context
from resolvers.schema import build_schema
from tests.internal_text import leaks, uncoded

DAY = 86_400_000
HOUR = 3_600_000
# The in-process server's clock; every recorded time lies before it (the real clock is later).
NOW = from_iso("2026-06-01T12:00:00.000Z")

ADMIN = User("ppetru", "admin")
RECORDER = User("ines", "recorder")
VIEWER = User("guest", "viewer")

_SCHEMA = build_schema()


def iso(ts: int) -> str:
    return to_iso(ts)


class GraphQLClient(ABC):
    """Runs GraphQL operations as one user; subclasses say how (in-process, over HTTP)."""

    now: int  # the server's now, in ms

    @abstractmethod
    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`{"data": ..., "errors": [...]}` as a client reads it (`errors` only when there are)."""

    @abstractmethod
    def as_user(self, user: User) -> GraphQLClient:
        """The same backend, acting as `user`."""

    # -- helpers the tests share ---------------------------------------------------------------

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of an operation that must not fail."""
        response = self.execute(query, variables)
        assert "errors" not in response, response
        return response["data"]

    def location_id(self, name: str) -> str:
        locations = self.data("{ locations { id name } }")["locations"]
        return next(loc["id"] for loc in locations if loc["name"] == name)

    def mutate(self, name: str, input: dict[str, Any], selection: str = "") -> dict[str, Any]:
        """Run mutation `name` and return its result (any union member): the event and warnings
        of a success, the message (and field) of an error, plus `selection` (more fragments)."""
        query = f"""
            mutation Run($input: {name[0].upper()}{name[1:]}Input!) {{
              {name}(input: $input) {{
                __typename
                ... on MutationSuccess {{
                  event {{ id type tsUtc actor version payload entityRefs }}
                  warnings {{ code message }}
                }}
                ... on UserError {{ message }}
                ... on ValidationError {{ field }}
                {selection}
              }}
            }}
        """
        return self.data(query, {"input": input})[name]

    def cohort(
        self, location: str, count: int, *, sex="FEMALE", stage="ADULT", ts: int | None = None
    ):
        """Create a cohort of ducks at `ts` (default: a day before now); return their ids."""
        ts = self.now - DAY if ts is None else ts
        result = self.mutate(
            "createCohort",
            {
                "species": "duck",
                "count": count,
                "lifeStage": stage,
                "sex": sex,
                "locationId": self.location_id(location),
                "tsUtc": iso(ts),
            },
            "... on CohortCreated { animalIds }",
        )
        assert result["__typename"] == "CohortCreated", result
        return result["animalIds"]

    def selection(self, filter: str, **kwargs: Any) -> dict[str, Any]:
        args = {"filter": filter, **kwargs}
        query = """
            query Select($filter: String!, $at: DateTime, $fromLocationId: ID, $locationId: ID) {
              selection(filter: $filter, at: $at, fromLocationId: $fromLocationId,
                        locationId: $locationId) { animalIds count rosterHash at }
            }
        """
        return self.data(query, args)["selection"]

    def selection_input(self, filter: str, **hashing: Any) -> dict[str, Any]:
        """What a selection mutation sends after asking `selection` (with `hashing`'s
        `at`/`fromLocationId`/`locationId`): the filter, the ids seen and their hash."""
        seen = self.selection(filter, **hashing)
        return {
            "filter": filter,
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
        }

    def event_count(self) -> int:
        """How many events are recorded, deleted ones included."""
        query = "{ events(first: 0, includeDeleted: true) { totalCount } }"
        return self.data(query)["events"]["totalCount"]


class GraphQLDriver(GraphQLClient):
    """Runs operations as `user` against `db`, with the server's clock fixed at `now`."""

    def __init__(self, db, user: User = ADMIN, now: int = NOW, schema=_SCHEMA):
        self.db = db
        self.user = user
        self.now = now
        self.schema = schema

    def as_user(self, user: User) -> GraphQLDriver:
        return GraphQLDriver(self.db, user, self.now, self.schema)

    def context(self):
        return build_context(
            None, db=self.db, user=self.user, settings=None, clock=lambda: self.now
        )

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self.schema.execute_sync(
            query, variable_values=variables, context_value=self.context()
        )
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [error.formatted for error in result.errors]
        assert leaks(response) == [], response
        assert uncoded(response) == [], response
        return response


class HttpGraphQLDriver(GraphQLClient):
    """POSTs operations to a running server (`tests/live_server.py`'s `LiveServer`) as the
    user `username`, with a token of its own, over one keep-alive connection.

    Only a 200 is an answer here (a user mistake in a mutation is a union member, a bad query
    argument an `errors` entry); any other status fails the test with the body. Close it (or
    use it as a context manager) to close its connection and those of its `as_user` drivers.
    """

    def __init__(self, server, username: str, *, timeout: float = 10.0):
        self.server = server
        self.username = username
        self.http = httpx.Client(
            base_url=server.base_url, headers=server.bearer(server.token(username)), timeout=timeout
        )
        self._others: list[HttpGraphQLDriver] = []

    @property
    def now(self) -> int:
        """The server's clock: the machine's (the server runs in this process)."""
        return time.time_ns() // 1_000_000

    def as_user(self, user: User) -> HttpGraphQLDriver:
        other = HttpGraphQLDriver(self.server, user.username)
        self._others.append(other)
        return other

    def post(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post("/graphql", json=body)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        response = self.post(body)
        assert response.status_code == 200, (response.status_code, response.text)
        answer = response.json()
        assert leaks(answer) == [], answer
        assert uncoded(answer) == [], answer
        return answer

    def close(self) -> None:
        for other in self._others:
            other.close()
        self.http.close()

    def __enter__(self) -> HttpGraphQLDriver:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# -- masking for snapshots ---------------------------------------------------------------------

_ULID = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")
_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b")
_MESSAGE_TIME = re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d UTC\b")  # timefmt.human
_OPAQUE_KEYS = {"rosterHash", "currentRosterHash", "cursor", "startCursor", "endCursor"}


def mask(value: Any) -> Any:
    """Replace what differs between runs: ULIDs become `<id1>`, `<id2>`… in order of first
    appearance (so equal ids stay equal), times `<time>` (the ISO ones and the short ones of
    messages), hashes and cursors `<hash>`/`<cursor>`.
    The fixed ids of the seed locations are kept, so snapshots stay readable."""
    names: dict[str, str] = {}

    def ulid(match: re.Match) -> str:
        text = match.group(0)
        if "SEED" in text:
            return text
        return names.setdefault(text, f"<id{len(names) + 1}>")

    def walk(item: Any, key: str | None = None) -> Any:
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if isinstance(item, str):
            if key in _OPAQUE_KEYS:
                return "<cursor>" if "ursor" in key else "<hash>"
            return _MESSAGE_TIME.sub("<time>", _TIME.sub("<time>", _ULID.sub(ulid, item)))
        return item

    return walk(value)
