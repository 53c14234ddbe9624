"""The GraphQL driver of the API tests: runs operations, fixes the clock, masks snapshots.

`GraphQLDriver.execute(query, variables)` answers what an HTTP client would read: a dict with
`data` and, when there are any, `errors` (each as GraphQL formats it). This driver runs the
schema in-process with `execute_sync`; a driver with the same `execute` over HTTP (the app's
real uvicorn server) can replace it, so the same tests and scenarios run over the wire.
"""

from __future__ import annotations

import re
from typing import Any

from animaltrack.timefmt import from_iso, to_iso
from resolvers.auth import User
from resolvers.context import build_context
from schema.schema import build_schema

DAY = 86_400_000
HOUR = 3_600_000
# The server's clock in these tests; every recorded time lies before it.
NOW = from_iso("2026-06-01T12:00:00.000Z")
YESTERDAY = NOW - DAY

ADMIN = User("ppetru", "admin")
RECORDER = User("ines", "recorder")
VIEWER = User("guest", "viewer")

_SCHEMA = build_schema()


def iso(ts: int) -> str:
    return to_iso(ts)


class GraphQLDriver:
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
        return response

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

    def cohort(self, location: str, count: int, *, sex="FEMALE", stage="ADULT", ts=YESTERDAY):
        """Create a cohort of ducks; return their ids."""
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


# -- masking for snapshots ---------------------------------------------------------------------

_ULID = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")
_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\b")
_OPAQUE_KEYS = {"rosterHash", "currentRosterHash", "cursor", "startCursor", "endCursor"}


def mask(value: Any) -> Any:
    """Replace what differs between runs: ULIDs become `<id1>`, `<id2>`… in order of first
    appearance (so equal ids stay equal), times `<time>`, hashes and cursors `<hash>`/`<cursor>`.
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
            return _TIME.sub("<time>", _ULID.sub(ulid, item))
        return item

    return walk(value)
