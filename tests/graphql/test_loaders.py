"""A page of animals with their locations costs a constant number of SQL queries (loaders)."""

from __future__ import annotations

import contextlib

import pytest

pytestmark = pytest.mark.in_process_only  # counts the SQL run on the driver's database handle

PAGE = """
  query($first: Int) {
    animals(filter: "species:duck", first: $first) {
      totalCount
      nodes { id sex tags location { id name } species { name } aliases { aliasId } }
    }
  }
"""


@contextlib.contextmanager
def counting(db):
    """Every SQL statement run on `db` inside the block (sqlite3's trace callback)."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        db.conn.set_trace_callback(None)


def test_500_animals_with_their_locations_cost_the_same_queries_as_5(gql):
    gql.cohort("Strip 1", 250)
    gql.cohort("Strip 2", 250)
    with counting(gql.db) as small:
        gql.data(PAGE, {"first": 5})
    with counting(gql.db) as large:
        data = gql.data(PAGE, {"first": 500})
    nodes = data["animals"]["nodes"]
    assert len(nodes) == 500
    assert {n["location"]["name"] for n in nodes} == {"Strip 1", "Strip 2"}
    assert len(large) == len(small)
    # resolve the filter (species check + the roster), snapshots, locations, species, aliases
    assert len(large) <= 6, large


def test_events_with_tombstones_and_revisions_cost_a_constant_number_of_queries(gql):
    gql.cohort("Strip 1", 1)
    query = "query($n: Int) { events(first: $n) { nodes { id deleted revisions { version } } } }"
    with counting(gql.db) as small:
        gql.data(query, {"n": 2})
    with counting(gql.db) as large:
        gql.data(query, {"n": 9})
    assert len(small) == len(large) == 4  # count, page, tombstones, revisions
