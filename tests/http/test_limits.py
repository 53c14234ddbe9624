"""Query limits (SPEC §13): depth above 12, more than 50 aliases, more than 5 000 tokens."""

from __future__ import annotations

import httpx
import strawberry

from resolvers.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, protection_extensions


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> Node:
        return Node()


@strawberry.type
class Query:
    @strawberry.field
    def node(self) -> Node:
        return Node()

    @strawberry.field
    def count(self, values: list[int]) -> int:
        return len(values)


SCHEMA = strawberry.Schema(query=Query, extensions=protection_extensions())


def nested(depth: int) -> str:
    return "{ node " + "{ child " * (depth - 1) + "{ name }" + " }" * (depth - 1) + " }"


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def tokens(count: int) -> str:
    # `{ count ( values : [` and `] ) }` are 9 tokens; each list item is one more
    return "{ count(values: [" + "1 " * (count - 9) + "]) }"


def test_depth_12_runs_and_13_is_refused():
    assert SCHEMA.execute_sync(nested(MAX_DEPTH)).errors is None
    [error] = SCHEMA.execute_sync(nested(MAX_DEPTH + 1)).errors
    assert "exceeds maximum operation depth of 12" in error.message


def test_50_aliases_run_and_51_are_refused():
    assert SCHEMA.execute_sync(aliased(MAX_ALIASES)).errors is None
    [error] = SCHEMA.execute_sync(aliased(MAX_ALIASES + 1)).errors
    assert error.message == "51 aliases found. Allowed: 50"


def test_5000_tokens_run_and_5001_are_refused():
    assert SCHEMA.execute_sync(tokens(MAX_TOKENS)).data == {"count": MAX_TOKENS - 9}
    [error] = SCHEMA.execute_sync(tokens(MAX_TOKENS + 1)).errors
    assert "more than 5000 tokens" in error.message


def test_each_request_gets_fresh_limiter_instances():
    first, second = SCHEMA.get_extensions(), SCHEMA.get_extensions()
    assert len(first) == 3  # the depth and alias rules, the token limit, the cost
    assert all(a is not b for a, b in zip(first, second, strict=True))


def test_a_repeated_document_is_validated_once():
    """The limit rules are the same classes on every request, so the validation cache hits."""
    from resolvers.limits import caching_extensions

    schema = strawberry.Schema(
        query=Query, extensions=[*protection_extensions(), *caching_extensions()]
    )
    query = "{ __typename }"
    assert schema.execute_sync(query).errors is None
    before = _validations()
    assert schema.execute_sync(query).errors is None
    assert _validations() == before


def _validations() -> int:
    from strawberry.extensions.validation_cache import _get_validate_cache

    from resolvers.limits import CACHED_DOCUMENTS

    return _get_validate_cache(CACHED_DOCUMENTS).cache_info().misses


def test_the_served_schema_applies_the_limits(live_server):
    headers = live_server.bearer(live_server.token("guest"))
    for query, expected in [
        (aliased(MAX_ALIASES + 1), "aliases found"),
        (tokens(MAX_TOKENS + 1), "tokens"),
    ]:
        response = httpx.post(live_server.graphql_url, json={"query": query}, headers=headers)
        assert response.status_code == 200
        assert expected in response.json()["errors"][0]["message"]


def test_each_limit_is_refused_as_query_too_complex():
    """The served schema codes its limits like its cost: `QUERY_TOO_COMPLEX`."""
    from resolvers.app import default_schema

    schema = default_schema()
    deep = "{ locations { " + "roster { nodes { location { " * 4 + "id" + " } } }" * 4 + " } }"
    introspection = "{ __schema { types { " + "fields { type { " * 6 + "name } }" * 6 + " } } }"
    many = "{ " + "__typename " * MAX_TOKENS + "}"
    for query in (deep, introspection, aliased(MAX_ALIASES + 1), many):
        [error] = schema.execute_sync(query).errors
        assert error.extensions == {"code": "QUERY_TOO_COMPLEX"}, error.message
