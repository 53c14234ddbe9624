"""The schema documents itself: every element the explorer shows has a description for the API's
user, and no description points at documents that user does not have.

Elements checked: every type (except the introspection types and the built-in scalars String,
Int, Float, Boolean and ID), every field and argument of object and interface types (queries,
mutations and subscriptions included), every input field and every enum value. A failure lists
every element at fault, so a new field added without a description names itself here.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from resolvers.schema import build_schema
from schema import docs

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
# Words that point at the specification, which the API's user does not have.
FORBIDDEN = ("SPEC", "§")


def _elements(schema) -> list[tuple[str, str | None]]:
    """(path, description) of every element of the schema that must be described."""
    found: list[tuple[str, str | None]] = []
    for name, type_ in sorted(schema.type_map.items()):
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        found.append((f"type {name}", type_.description))
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                found.append((f"field {name}.{field_name}", field.description))
                for arg_name, arg in field.args.items():
                    found.append((f"argument {name}.{field_name}({arg_name})", arg.description))
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                found.append((f"input field {name}.{field_name}", field.description))
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                found.append((f"enum value {name}.{value_name}", value.description))
    return found


ELEMENTS = _elements(build_schema()._schema)


def test_the_walk_sees_every_kind_of_element():
    kinds = {path.split(" ")[0] for path, _ in ELEMENTS}
    assert {"type", "field", "argument", "input", "enum"} <= kinds
    paths = {path for path, _ in ELEMENTS}
    assert "argument Query.animals(filter)" in paths
    assert "field Mutation.createCohort" in paths
    assert "enum value Sex.FEMALE" in paths
    assert "input field MoveAnimalsInput.filter" in paths
    assert "type DateTime" in paths and "type String" not in paths


def test_every_element_has_a_description():
    missing = [path for path, description in ELEMENTS if not (description or "").strip()]
    assert not missing, f"{len(missing)} schema element(s) without a description:\n" + "\n".join(
        missing
    )


def test_no_description_points_at_the_specification():
    citing = [
        path
        for path, description in ELEMENTS
        if description and any(word in description for word in FORBIDDEN)
    ]
    assert not citing, (
        f"{len(citing)} description(s) cite the specification; explain instead:\n"
        + "\n".join(citing)
    )


def test_every_filter_argument_and_input_field_explains_the_filter_language():
    filters = [
        (path, description)
        for path, description in ELEMENTS
        if path.startswith(("argument", "input field"))
        and (path.endswith("(filter)") or path.endswith(".filter"))
    ]
    assert len(filters) >= 8  # animals, selection, and the six selection mutations' inputs
    lacking = [path for path, description in filters if docs.FILTER not in (description or "")]
    assert not lacking, "filters without the filter language:\n" + "\n".join(lacking)


def test_the_filter_description_gives_examples_of_every_construct():
    text = docs.FILTER
    for example in (
        'species:duck sex:female location:"Strip 1"',  # AND, quoting
        "species:duck|goose -tag:broody",  # OR inside a term, negation
        'status:dead location:"Strip 1"',  # status, not just live animals
        "id:",  # a hand-picked set
    ):
        assert example in text
