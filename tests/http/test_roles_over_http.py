"""Who may do what, over HTTP with API tokens (SPEC §12, §13): a refused role is the `Forbidden`
member of the mutation's result union (HTTP 200), and nothing is written.

The viewer's `createLocation` is refused in `test_identity.py`; the in-process role tests are in
`tests/graphql/test_mutations.py`. Here: the recorder's admin-only `correctStatus` and cascade
`deleteEvent`, a viewer's delete, and the admin doing both.
"""

from __future__ import annotations

import pytest

from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import DAY, HOUR, HttpGraphQLDriver, iso, mask

USERS = {"admin": "ppetru", "recorder": "ines", "viewer": "guest"}
DELETED = "... on EventDeleted { tombstonedEventIds dryRun }"


@pytest.fixture(scope="module")
def clients(fresh_db, start_server):
    db_path = fresh_db("roles")
    server = start_server(create_app(Settings(db_path=str(db_path))), db_path)
    drivers = {role: HttpGraphQLDriver(server, name) for role, name in USERS.items()}
    yield drivers
    for driver in drivers.values():
        driver.close()


@pytest.fixture
def flock(clients):
    """Two ducks the recorder created yesterday and tagged an hour ago: the cohort has a
    dependent event."""
    recorder = clients["recorder"]
    animals = recorder.cohort("Strip 1", 2, ts=recorder.now - DAY)
    timeline = "query($id: ID!) { animal(id: $id) { timeline { nodes { id type } } } }"
    [cohort] = recorder.data(timeline, {"id": animals[0]})["animal"]["timeline"]["nodes"]
    filter = "id:" + "|".join(animals)
    seen = recorder.selection(filter)
    tagged = recorder.mutate(
        "addTag",
        {
            "filter": filter,
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
            "tag": "checked",
            "tsUtc": iso(recorder.now - HOUR),
        },
    )
    assert tagged["__typename"] == "TagAdded"
    return {"animals": animals, "cohort": cohort["id"], "tag": tagged["event"]["id"]}


def correct_status(flock):
    return "correctStatus", {"animalIds": flock["animals"][:1], "newStatus": "DEAD", "reason": "x"}


def cascade_delete(flock, **more):
    return "deleteEvent", {"eventId": flock["cohort"], "cascade": True, **more}


def state(client, flock) -> dict:
    """What a refusal must leave as it was."""
    query = """
      query($animal: ID!, $cohort: ID!) {
        events(includeDeleted: true) { totalCount }
        animal(id: $animal) { status }
        event(id: $cohort) { deleted }
      }
    """
    return client.data(query, {"animal": flock["animals"][0], "cohort": flock["cohort"]})


REFUSED = {
    "recorder correctStatus": ("recorder", correct_status),
    "recorder cascade deleteEvent": ("recorder", cascade_delete),
    "viewer deleteEvent": ("viewer", lambda f: ("deleteEvent", {"eventId": f["cohort"]})),
}


@pytest.mark.parametrize("role, command", REFUSED.values(), ids=REFUSED.keys())
def test_a_role_that_may_not_is_forbidden_and_nothing_is_written(
    clients, flock, role, command, snapshot
):
    before = state(clients["admin"], flock)
    name, input = command(flock)
    result = clients[role].mutate(name, input)
    assert result["__typename"] == "Forbidden"
    assert mask(result) == snapshot
    assert state(clients["admin"], flock) == before
    assert before["animal"]["status"] == "ALIVE" and before["event"]["deleted"] is False


def test_the_admin_may_do_both(clients, flock):
    admin = clients["admin"]
    dry = admin.mutate(*cascade_delete(flock, dryRun=True), DELETED)
    assert (dry["__typename"], dry["dryRun"]) == ("EventDeleted", True)
    assert dry["tombstonedEventIds"] == [flock["cohort"], flock["tag"]]
    corrected = admin.mutate(*correct_status(flock))
    assert (corrected["__typename"], corrected["event"]["actor"]) == ("StatusCorrected", "ppetru")
    assert state(admin, flock)["animal"]["status"] == "DEAD"
