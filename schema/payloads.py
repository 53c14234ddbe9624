"""`Event.payload` in the API's conventions, both ways (SPEC §13).

The log stores payloads as the domain writes them: snake_case keys, enum values as their
lower-case stored words (`{"life_stage": "adult", "feed_type_code": "layer"}`). The API speaks
camelCase, with enums spelled as its GraphQL enums (`{"lifeStage": "ADULT", "feedTypeCode":
"layer"}`): `to_api` turns the one into the other for `Event.payload` and its revisions, and
`from_api` turns what a client sends to `editEvent` back before the domain builds its payload.
Codes (feed types, products, species) are data, not enums, and stay as they are.

Which fields are enums is read from the payload models themselves (`FIELD_ENUMS`): a field of a
domain enum type in any payload, at any depth (`set.lifeStage`, `yieldItems`' fields), is that
enum wherever the name appears; the models agree on it (checked at import). So the conversion needs
no event type, and a new enum field of a payload is converted without a change here.

`from_api` takes only the API's spelling: a key that is not camelCase (`bag_price_cents`) or an
enum value in the stored spelling (`adult`) is refused with the spelling to use, so a payload
that mixes both shapes cannot say one field twice.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any

from pydantic import BaseModel
from strawberry.utils.str_converters import to_camel_case, to_snake_case

from animaltrack.errors import ValidationError
from animaltrack.events.payloads import PAYLOAD_TYPES


def leaves(annotation: Any) -> list[Any]:
    """The types an annotation can hold, through `X | None`, `list[X]` and `Annotated`."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        inner = args[:1] if origin is typing.Annotated else args
        return [leaf for arg in inner for leaf in leaves(arg)]
    return [annotation]


def _enum_fields(model: type[BaseModel], found: dict[str, set[type[Enum]]]) -> None:
    for name, field in model.model_fields.items():
        for leaf in leaves(field.annotation):
            if isinstance(leaf, type) and issubclass(leaf, Enum):
                found.setdefault(name, set()).add(leaf)
            elif isinstance(leaf, type) and issubclass(leaf, BaseModel):
                _enum_fields(leaf, found)


def _field_enums() -> dict[str, type[Enum]]:
    found: dict[str, set[type[Enum]]] = {}
    for model in PAYLOAD_TYPES.values():
        _enum_fields(model, found)
    ambiguous = sorted(name for name, enums in found.items() if len(enums) > 1)
    if ambiguous:  # a payload model change made a name mean two enums: say so at import
        raise TypeError(f"payload fields of more than one enum type: {ambiguous}")
    return {name: enums.pop() for name, enums in found.items()}


FIELD_ENUMS: dict[str, type[Enum]] = _field_enums()
"""Payload field name (snake_case) → the domain enum its values belong to."""


def to_api(payload: Any) -> Any:
    """A stored payload (or any part of it) as the API shows it."""
    if isinstance(payload, dict):
        return {to_camel_case(key): _value_to_api(key, value) for key, value in payload.items()}
    if isinstance(payload, list):
        return [to_api(item) for item in payload]
    return payload


def _value_to_api(key: str, value: Any) -> Any:
    enum = FIELD_ENUMS.get(key)
    if enum is not None and isinstance(value, str):
        member = enum._value2member_map_.get(value)
        return member.name if member is not None else value  # a stored word is shown as is
    return to_api(value)


def from_api(payload: Any, path: str = "payload") -> Any:
    """What a client sends as a payload (or part of one), in the domain's shape; `path` names
    where it sits, for the refusals (`payload.set.lifeStage`)."""
    if isinstance(payload, dict):
        converted = {}
        for key, value in payload.items():
            name = to_snake_case(key)
            if to_camel_case(name) != key:
                raise ValidationError.for_field(
                    path,
                    f"write the key '{key}' as Event.payload shows it: '{to_camel_case(name)}'",
                )
            converted[name] = _value_from_api(name, value, f"{path}.{name}")
        return converted
    if isinstance(payload, list):
        return [from_api(item, f"{path}.{n}") for n, item in enumerate(payload)]
    return payload


def _value_from_api(name: str, value: Any, path: str) -> Any:
    enum = FIELD_ENUMS.get(name)
    if enum is None or value is None:
        return from_api(value, path)
    if not isinstance(value, str) or value not in enum.__members__:
        spellings = ", ".join(enum.__members__)
        raise ValidationError.for_field(path, f"must be one of {spellings}")
    return enum[value].value
