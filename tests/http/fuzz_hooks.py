"""Schemathesis hooks for the fuzz run of `test_fuzz_smoke.py` (loaded by `SCHEMATHESIS_HOOKS`).

Strategies for the scalars schemathesis does not know (`Decimal`, `JSON`) and sharper ones for
those it does (`Long`, `DateTime`, `Date`, `ID`): each mixes values the server must accept with
the edges that used to leak internal text (issue 9, defect 3: "1e20", "1e400", "1e999999999",
2^31 - 1 summed, a pre-1970 instant, an `editEvent` payload of `[1,2]`, `"abc"` or `5`). IDs
come from the farm the test prepared (`ANIMALTRACK_FUZZ_IDS`), so mutations reach past
`NotFound` into the services.

The check `no_server_error` fails on any HTTP 5xx. (schemathesis' own `not_a_server_error`
also counts every GraphQL `errors` entry with a path as a server fault; ours are the coded
refusals of bad query arguments that SPEC §13 asks for, so it cannot be used here.)
The check `no_internal_text` reads every `errors[].message` and every `message` anywhere in
`data` (the union members), records each in `ANIMALTRACK_FUZZ_MESSAGES` (one JSON string a
line, for the test to scan and count) and fails on Python, Pydantic or SQLite text, a field
named in snake_case, or an `errors` entry without `extensions.code`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.internal_text import leaks, messages_in, uncoded

MESSAGES_FILE = os.environ.get("ANIMALTRACK_FUZZ_MESSAGES")
KNOWN_IDS = [i for i in os.environ.get("ANIMALTRACK_FUZZ_IDS", "").split(",") if i]


def value_node(value: Any) -> graphql.ValueNode:
    """A GraphQL literal for a JSON value (object keys are GraphQL names)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(value_node(v) for v in value))
    fields = tuple(
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=value_node(v))
        for k, v in value.items()
    )
    return graphql.ObjectValueNode(fields=fields)


EDGE_NUMBERS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31), 2**53, 2**53 + 1, 2**63, -(2**63), 10**20]
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**6).map(str),
    st.sampled_from(
        ["1e20", "1e400", "1e999999999", "-1e-999999999", "NaN", "Infinity", "-0", "0.0001"]
        + ["1_000", " 1", "1,5", "", "abc", "9" * 400, "1e-400", "12345678901234567890.5"]
    ),
    st.text(max_size=12),
)
longs = st.one_of(st.integers(-1000, 10**7), st.sampled_from(EDGE_NUMBERS))
instants = st.one_of(
    st.integers(-(10**13), 10**13).map(
        lambda ms: f"{1970 + ms // 31_557_600_000:04d}-06-01T12:00:00.{abs(ms) % 1000:03d}Z"
    ),
    st.sampled_from(
        ["2024-06-01T12:00:00.000Z", "2024-06-01T12:00:00.000+01:00", "1969-12-31T23:59:59.999Z"]
        + ["2024-06-01T12:00:00", "2024-06-01", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00Z"]
        + ["2024-02-30T00:00:00Z", "2024-06-01T12:00:00.0000001Z", "now", ""]
    ),
    st.text(max_size=12),
)
dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["1969-12-31", "2024-02-30", "24-06-01", "", "2024-06-01T00:00:00Z"]),
)
ids = st.one_of(
    st.sampled_from(KNOWN_IDS or ["0000000000SEED000000000001"]),
    st.sampled_from(["01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope", "", "0" * 26, "Z" * 26]),
)
payload_keys = st.sampled_from(
    ["quantity", "amountKg", "animalIds", "notes", "tsUtc", "locationId", "count", "yields"]
    + ["priceCents", "bagsCount", "bagPriceCents", "productCode", "feedTypeCode", "reason"]
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    longs,
    st.floats(allow_nan=False, allow_infinity=False),
    decimals,
    ids,
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(payload_keys, inner, max_size=5),
    max_leaves=12,
)

schemathesis.graphql.scalar("Decimal", decimals.map(nodes.String))
schemathesis.graphql.scalar("Long", longs.map(nodes.Int))
schemathesis.graphql.scalar("DateTime", instants.map(nodes.String))
schemathesis.graphql.scalar("Date", dates.map(nodes.String))
schemathesis.graphql.scalar("ID", ids.map(nodes.String))
schemathesis.graphql.scalar("JSON", json_values.map(value_node))


@schemathesis.check
def no_server_error(ctx, response, case) -> None:
    """No HTTP 5xx, whatever the input (SPEC §13: a user mistake is never a 500)."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.content[:300]!r}")


@schemathesis.check
def no_internal_text(ctx, response, case) -> None:
    """No message shows Python's, Pydantic's or SQLite's text, and every `errors` entry has a
    code (SPEC §13 Errors)."""
    try:
        answer = json.loads(response.content)
    except ValueError:
        return
    messages = messages_in(answer)
    if MESSAGES_FILE and messages:
        with open(MESSAGES_FILE, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(m) + "\n" for m in messages)
    leaked = leaks(answer)
    if leaked:
        raise AssertionError(f"internal text in the answer: {leaked[0][:300]}")
    if not_coded := uncoded(answer):
        raise AssertionError(f"an errors entry without extensions.code: {not_coded[0]!r:.300}")
