"""Every `errors` entry carries `extensions.code`, graphql-core's own errors too (SPEC §13 Errors).

A value that does not coerce (a literal or a variable: a `DateTime` without offset, a wrong enum
value, a missing input field or argument, a bad scalar) is `BAD_USER_INPUT`; a document that
does not parse or validate is `GRAPHQL_VALIDATION_FAILED`; a document past the depth, alias or
token limits is `QUERY_TOO_COMPLEX`. (The drivers check that every answer's errors carry a code.)
"""

from __future__ import annotations

import pytest

BAD_USER_INPUT = [
    pytest.param(
        '{ selection(filter: "", at: "2026-01-01T00:00:00") { count } }', None, id="naive-time"
    ),
    pytest.param("{ events(types: [FOO]) { totalCount } }", None, id="wrong-enum"),
    pytest.param(
        "query($t: [EventType!]) { events(types: $t) { totalCount } }",
        {"t": ["FOO"]},
        id="wrong-enum-variable",
    ),
    pytest.param(
        'mutation { createCohort(input: {species: "duck"}) { __typename } }',
        None,
        id="missing-input-field",
    ),
    pytest.param(
        "mutation($i: CreateCohortInput!) { createCohort(input: $i) { __typename } }",
        {"i": {"species": "duck"}},
        id="missing-input-field-variable",
    ),
    pytest.param("{ selection { count } }", None, id="missing-argument"),
    pytest.param("{ selection(filter: 3) { count } }", None, id="bad-scalar"),
    pytest.param(
        'query($at: DateTime) { selection(filter: "", at: $at) { count } }',
        {"at": "yesterday"},
        id="bad-scalar-variable",
    ),
    pytest.param(
        "query($f: String!) { selection(filter: $f) { count } }", None, id="missing-variable"
    ),
]


@pytest.mark.parametrize(("query", "variables"), BAD_USER_INPUT)
def test_a_value_that_does_not_coerce_is_bad_user_input(gql, query, variables):
    errors = gql.execute(query, variables)["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}, errors


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ bogus }", id="unknown-field"),
        pytest.param('{ selection(filter: "") { count ', id="syntax"),
        pytest.param("{ locations }", id="no-selection-set"),
        pytest.param("query A { me { username } } query A { me { username } }", id="duplicate"),
    ],
)
def test_a_document_that_does_not_validate_is_graphql_validation_failed(gql, query):
    errors = gql.execute(query)["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}, errors
