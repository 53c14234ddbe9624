"""A query's cost is estimated before it runs; one above the budget is refused (SPEC §13).

Defect 1 of issue 9: a roster nested in a roster — six levels, no alias, 110 bytes — ran for a
minute on a big location. It is now refused before execution, fast, naming the list to page;
every query of the README's cookbook and the explorer's example still runs.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from graphql import parse

from resolvers.cost import BUDGET, estimate_cost
from resolvers.explorer import explorer_config
from resolvers.schema import build_schema
from tests.http.conftest import BIG_STRIP

README = Path(__file__).resolve().parents[2] / "README.md"
NESTED_ROSTERS = (
    '{ location(id: "%s") { roster(first: 500) { nodes { location { roster(first: 500) {'
    " nodes { id } } } } } } }"
)
REFUSAL_BUDGET_MS = 50


def cookbook() -> list[str]:
    """The README's ```graphql blocks and the explorer's first query (both with and without
    --dev)."""
    queries = re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.S)
    return queries + [explorer_config(dev)["defaultQuery"] for dev in (False, True)]


def cost(query: str, variables=None) -> int:
    return estimate_cost(build_schema()._schema, parse(query), None, variables).cost


def test_the_readme_has_a_cookbook():
    assert len(cookbook()) >= 6


@pytest.mark.parametrize("query", cookbook())
def test_every_cookbook_and_explorer_query_is_within_the_budget(query):
    """Within the budget with no `first` given (counted at its cap). The cookbook's answers are
    checked on a simulated farm by `tests/http/test_cookbook.py`."""
    assert cost(query) <= BUDGET


@pytest.mark.parametrize("dev", [False, True])
def test_the_explorers_first_query_runs(live_server, dev):
    headers = live_server.bearer(live_server.token("guest"))
    query = explorer_config(dev)["defaultQuery"]
    response = httpx.post(live_server.graphql_url, json={"query": query}, headers=headers)
    assert "errors" not in response.json(), response.json()


def test_a_roster_nested_in_a_roster_is_refused_fast_naming_the_list_to_page(big_server):
    headers = big_server.bearer(big_server.token("guest"))
    with httpx.Client(headers=headers) as client:
        locations = client.post(big_server.graphql_url, json={"query": "{ locations { id name } }"})
        strip = next(
            loc["id"] for loc in locations.json()["data"]["locations"] if loc["name"] == BIG_STRIP
        )
        started = time.perf_counter()
        response = client.post(big_server.graphql_url, json={"query": NESTED_ROSTERS % strip})
        elapsed_ms = (time.perf_counter() - started) * 1000
    print(f"refused in {elapsed_ms:.1f} ms")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert response.json()["data"] is None
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "Page `roster` (at location.roster.nodes.location.roster)" in error["message"]
    assert elapsed_ms < REFUSAL_BUDGET_MS


def test_first_counts_as_given_else_as_the_cap():
    paged = "query($n: Int) { animals(first: $n) { nodes { id sex } } }"
    assert cost(paged, {"n": 10}) == 1 + 1 + 10 * 2
    assert cost(paged, {}) == 1 + 1 + 500 * 2
    assert cost("{ animals(first: 5000) { nodes { id } } }") == 1 + 1 + 500  # refused anyway


def test_fragments_count_like_the_fields_they_hold():
    inline = "{ animals(first: 10) { nodes { id ... on Animal { sex } } } }"
    spread = "{ animals(first: 10) { nodes { ...F } } } fragment F on Animal { id sex }"
    assert cost(inline) == cost(spread) == 1 + 1 + 10 * 2


def test_nesting_multiplies_and_introspection_is_free():
    assert cost("{ locations { roster(first: 3) { nodes { id } } } }") == 1 + 100 * (1 + 1 + 3)
    assert cost("{ __schema { types { name fields { name } } } }") == 0
