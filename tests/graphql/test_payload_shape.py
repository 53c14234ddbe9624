"""`Event.payload` speaks the API's conventions both ways (SPEC §13): camelCase keys, enum values
as the GraphQL enums spell them, and `editEvent` takes the same shape (`schema/payloads.py`)."""

from __future__ import annotations

import json
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from strawberry.utils.str_converters import to_camel_case

from animaltrack.events.payloads import PAYLOAD_TYPES
from schema import enums as api_enums
from schema.payloads import FIELD_ENUMS, from_api, leaves, to_api

FROZEN = Path(__file__).parent.parent / "fixtures" / "frozen" / "history-v1.ndjson"
ENUM_KEYS = {to_camel_case(name) for name in FIELD_ENUMS}


def _payload_of(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Stored-shape payloads of `model`: every field may appear, with a value of its kind (the
    conversion looks at keys and enums only, so the other values need not pass the model)."""
    fields = {name: _value_of(field.annotation) for name, field in model.model_fields.items()}
    return st.fixed_dictionaries({}, optional=fields)


def _value_of(annotation: Any) -> st.SearchStrategy[Any]:
    kinds = []
    for leaf in leaves(annotation):
        if leaf is type(None):
            continue
        if isinstance(leaf, type) and issubclass(leaf, Enum):
            kinds.append(st.sampled_from([member.value for member in leaf]))
        elif isinstance(leaf, type) and issubclass(leaf, BaseModel):
            nested = _payload_of(leaf)
            in_list = typing.get_origin(annotation) is list
            kinds.append(st.lists(nested, max_size=3) if in_list else nested)
        else:
            kinds.append(st.one_of(st.text(max_size=8), st.integers(), st.lists(st.text())))
    return st.one_of(kinds)


EVENT_PAYLOADS = st.sampled_from(sorted(PAYLOAD_TYPES)).flatmap(
    lambda event_type: _payload_of(PAYLOAD_TYPES[event_type])
)


def _keys_and_enum_values(payload: Any, key: str | None = None):
    if isinstance(payload, dict):
        for k, v in payload.items():
            yield "key", k
            yield from _keys_and_enum_values(v, k)
    elif isinstance(payload, list):
        for item in payload:
            yield from _keys_and_enum_values(item, key)
    elif isinstance(payload, str) and key in ENUM_KEYS:
        yield "enum", payload


@given(EVENT_PAYLOADS)
def test_every_payload_goes_to_the_api_shape_and_back_unchanged(stored):
    shown = to_api(stored)
    assert from_api(shown) == stored
    for kind, text in _keys_and_enum_values(shown):
        assert text.isupper() if kind == "enum" else ("_" not in text), shown


def test_every_event_of_a_simulated_farm_goes_to_the_api_shape_and_back():
    """Every event type, with edits, as a real farm recorded it."""
    types_seen = set()
    for line in FROZEN.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "payload" in record and record.get("type"):
            types_seen.add(record["type"])
            assert from_api(to_api(record["payload"])) == record["payload"]
    assert types_seen == set(PAYLOAD_TYPES)


def test_the_enum_fields_are_found_in_the_models_and_spelled_as_their_graphql_enums():
    assert set(FIELD_ENUMS) == {
        "sex",
        "life_stage",
        "repro_status",
        "origin",
        "outcome",
        "new_status",
    }
    for enum in FIELD_ENUMS.values():
        graphql_enum = getattr(api_enums, enum.__name__)
        assert [m.name for m in enum] == [m.name for m in graphql_enum]


def test_a_payload_is_shown_in_camel_case_with_upper_case_enums_and_codes_as_they_are():
    stored = {"set": {"life_stage": "adult"}, "feed_type_code": "layer", "new_status": "dead"}
    assert to_api(stored) == {
        "set": {"lifeStage": "ADULT"},
        "feedTypeCode": "layer",
        "newStatus": "DEAD",
    }


def test_an_event_and_its_revisions_show_the_api_shape_and_an_edit_takes_it(gql):
    strip_1 = gql.location_id("Strip 1")
    cohort = gql.mutate(
        "createCohort",
        {"species": "duck", "count": 2, "lifeStage": "ADULT", "locationId": strip_1},
    )["event"]
    assert cohort["payload"] == {
        "species": "duck",
        "count": 2,
        "lifeStage": "ADULT",
        "sex": "UNKNOWN",
        "locationId": strip_1,
        "origin": "UNKNOWN",
    }
    edited = gql.mutate(
        "editEvent",
        {"eventId": cohort["id"], "payload": {"lifeStage": "JUVENILE", "origin": "HATCHED"}},
    )
    assert edited["__typename"] == "EventEdited", edited
    assert edited["event"]["payload"] == {
        **cohort["payload"],
        "lifeStage": "JUVENILE",
        "origin": "HATCHED",
    }
    query = "query($id: ID!) { event(id: $id) { payload revisions { payload } } }"
    shown = gql.data(query, {"id": cohort["id"]})["event"]
    assert shown == {
        "payload": edited["event"]["payload"],
        "revisions": [{"payload": cohort["payload"]}],
    }


def test_an_edit_in_the_stored_shape_is_refused_with_the_spelling_to_use(gql):
    strip_1 = gql.location_id("Strip 1")
    cohort = gql.mutate(
        "createCohort",
        {"species": "duck", "count": 2, "lifeStage": "ADULT", "locationId": strip_1},
    )["event"]
    refusals = {
        edit: gql.mutate("editEvent", {"eventId": cohort["id"], "payload": edit_payload})
        for edit, edit_payload in (
            ("snake_case key", {"life_stage": "JUVENILE"}),
            ("stored enum word", {"lifeStage": "juvenile"}),
        )
    }
    assert refusals == {
        "snake_case key": {
            "__typename": "ValidationError",
            "message": "payload: write the key 'life_stage' as Event.payload shows it: 'lifeStage'",
            "field": "payload",
        },
        "stored enum word": {
            "__typename": "ValidationError",
            "message": "payload.lifeStage: must be one of HATCHLING, JUVENILE, SUBADULT, ADULT",
            "field": "payload.lifeStage",
        },
    }
