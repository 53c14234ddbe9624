"""Fixtures of the GraphQL tests: an admin's `GraphQLDriver` on a fresh seeded database."""

from __future__ import annotations

import pytest
from graphql_driver import GraphQLDriver


@pytest.fixture
def gql(seeded_db) -> GraphQLDriver:
    return GraphQLDriver(seeded_db)
