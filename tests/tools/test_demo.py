"""The example queries `make demo` prints (`animaltrack demo-queries`) answer something real on
a simulated farm: run through the schema, each has no errors and non-empty data."""

from __future__ import annotations

import time

from store import connect
from tests.graphql.graphql_driver import ADMIN, GraphQLDriver
from tests.tools.helpers import run
from tools.demo import example_queries


def test_every_example_query_answers_with_data(farm):
    db = connect(farm)
    try:
        examples = example_queries(db)
        gql = GraphQLDriver(db, ADMIN, now=int(time.time() * 1000))
        answers = [gql.data(example.query) for example in examples]
    finally:
        db.close()

    roster, stats, duck = answers
    assert roster["animals"]["totalCount"] > 0 and roster["animals"]["nodes"]
    assert stats["eggStats"]["eggsTotalPcs"] > 0
    assert duck["animal"]["nickname"] and duck["animal"]["timeline"]["nodes"]


def test_demo_queries_prints_the_examples(farm):
    result = run("--db", farm, "demo-queries")

    assert result.exit_code == 0, result.output
    db = connect(farm)
    try:
        examples = example_queries(db)
    finally:
        db.close()
    for example in examples:
        assert example.query in result.output
