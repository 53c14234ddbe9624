"""Fixtures of the GraphQL tests: an admin's client on a fresh seeded database, per transport.

Every test that takes `gql` runs twice (STYLE.md: one abstract client, many backends):

- `in-process`: a `GraphQLDriver` running the schema with `execute_sync`, its clock fixed at
  `NOW`;
- `http`: an `HttpGraphQLDriver` (a token of the admin ppetru) POSTing to the app under uvicorn
  on 127.0.0.1 (a free port), on a fresh migrated and seeded database of the test's own
  (`fresh_server`, `tests/conftest.py`); its clock is the real one.

A test that needs what only the in-process driver gives (a clock it sets, the database handle,
the schema object) is marked `in_process_only` and runs once. Both runs of a test compare their
masked answers to one snapshot, named after the test without the transport (so with
`--snapshot-update` the transport that runs last writes it, and a plain run then fails on the
other if they differ).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from graphql_driver import ADMIN, GraphQLClient, GraphQLDriver, HttpGraphQLDriver
from syrupy.extensions.amber import AmberSnapshotExtension

TRANSPORTS = ("in-process", "http")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "gql" in metafunc.fixturenames:
        only_in_process = metafunc.definition.get_closest_marker("in_process_only")
        transports = TRANSPORTS[:1] if only_in_process else TRANSPORTS
        metafunc.parametrize("gql", transports, indirect=True)


@pytest.fixture
def gql(request: pytest.FixtureRequest) -> Iterator[GraphQLClient]:
    """An admin's client (ppetru) on a fresh seeded database, over `request.param`."""
    if request.param == "in-process":
        yield GraphQLDriver(request.getfixturevalue("seeded_db"), ADMIN)
    else:
        with HttpGraphQLDriver(request.getfixturevalue("fresh_server"), ADMIN.username) as client:
            yield client


_IDS = "|".join(map(re.escape, TRANSPORTS))
# The transport's part of a test id: alone (`[http]`), or beside other parameters' ids.
_TRANSPORT_ID = re.compile(rf"\[(?:{_IDS})\]|-(?:{_IDS})(?=\])|(?<=\[)(?:{_IDS})-")


class OneSnapshotForEveryTransport(AmberSnapshotExtension):
    """Names a snapshot after its test without the transport's id (`test_x[http]` → `test_x`),
    so that both transports must match the same stored answer."""

    @classmethod
    def get_snapshot_name(cls, *, test_location, index=0) -> str:
        name = super().get_snapshot_name(test_location=test_location, index=index)
        return _TRANSPORT_ID.sub("", name, count=1)


@pytest.fixture
def snapshot(snapshot):
    return snapshot.use_extension(OneSnapshotForEveryTransport)
