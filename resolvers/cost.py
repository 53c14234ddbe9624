"""A query's cost, estimated before it runs, and the refusal of one above the budget (SPEC §13).

The depth, alias and token limits bound a document's *shape*; none of them bounds what it can
*return*: `location { roster(first: 500) { nodes { location { roster(first: 500) { nodes { id }
} } } } }` is six levels, no alias and 40 tokens, yet asks for 250 000 animals. The cost is the
number of field values an operation can produce: each field counts once per item of every list
around it, a connection's lists count its `first` (absent: the cap, 500), and an unpaged list of
objects counts the most it is expected to hold (`LIST_SIZES`). Lists of scalars (`animalIds`,
`tags`) count as one value: they cost one resolver call, not one per item.

`BUDGET` lets every query of the README's cookbook and the explorer's examples through (the test
`tests/http/test_query_cost.py` runs them all) while a roster nested in a roster is refused. The
refusal (`QUERY_TOO_COMPLEX`) names the list to page: the heaviest one inside another list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from schema.arguments import DEFAULT_WINDOW_DAYS
from schema.paging import MAX_PAGE_SIZE

BUDGET = 100_000
# The most items an unpaged list of objects is expected to hold, by (type, field).
LIST_SIZES: dict[tuple[str, str], int] = {
    ("Query", "species"): 100,
    ("Query", "products"): 100,
    ("Query", "feedTypes"): 100,
    ("Query", "locations"): 100,
    ("Query", "feedInventory"): 100,
    ("AnimalFacets", "location"): 100,
    ("AnimalFacets", "species"): 100,
    ("AnimalFacets", "sex"): 3,
    ("AnimalFacets", "lifeStage"): 4,
    ("Animal", "aliases"): 10,
    ("Event", "revisions"): 10,
    ("LogChangePage", "changes"): MAX_PAGE_SIZE,  # `logChanges(first:)`, capped as a page
}
DEFAULT_LIST_SIZE = 100
PAGED_LISTS = ("nodes", "edges")
# A list whose length is an argument of the field above it: one day per day of the window.
SIZE_FROM_PARENT_ARGUMENT = {("EggStats", "dailyEggs"): ("windowDays", DEFAULT_WINDOW_DAYS + 1)}


@dataclass
class Heavy:
    """A list in the operation and what its items cost, to name the one to page."""

    path: str
    cost: int
    items_around: int
    paged: bool


@dataclass
class Estimate:
    cost: int = 0
    lists: list[Heavy] = field(default_factory=list)

    def heaviest(self) -> Heavy | None:
        """The list to page: the costliest inside another list, else the costliest."""
        nested = [h for h in self.lists if h.items_around > 1]
        return max(nested or self.lists, key=lambda h: h.cost, default=None)


class _Walk:
    def __init__(self, schema: GraphQLSchema, document, variables: Mapping[str, Any]):
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.estimate = Estimate()

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = argument.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value)
                if isinstance(value, IntValueNode):
                    return int(value.value)
        return None

    def fields(self, selection_set: SelectionSetNode, parent_type) -> list[tuple[FieldNode, Any]]:
        """The fields selected, fragments flattened, each with the type it is looked up on."""
        found = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append((selection, parent_type))
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            on = self.schema.get_type(condition.name.value) if condition else parent_type
            found.extend(self.fields(inner, on))
        return found

    def walk(
        self,
        selection_set: SelectionSetNode,
        parent_type,
        items: int,
        path: str,
        page: int,
        parent_field: FieldNode | None,
    ) -> int:
        """The cost of `selection_set` on `parent_type`, repeated for `items` parent items."""
        cost = 0
        for node, on in self.fields(selection_set, parent_type):
            name = node.name.value
            definition = getattr(on, "fields", {}).get(name)
            if name.startswith("__") or definition is None:
                continue  # introspection and __typename: bounded by the schema, not the data
            cost += items
            if node.selection_set is None:
                continue
            size = self.list_size(on.name, name, definition.type, page, parent_field)
            child_type = get_named_type(definition.type)
            child_page = page
            if child_type.name.endswith("Connection"):
                first = self.argument(node, "first")
                child_page = MAX_PAGE_SIZE if not isinstance(first, int) else first
                child_page = max(0, min(child_page, MAX_PAGE_SIZE))
            here = f"{path}.{name}" if path else name
            below = self.walk(node.selection_set, child_type, items * size, here, child_page, node)
            cost += below
            if child_page != page or size > 1:
                listed = here.rsplit(".", 1)[0] if name in PAGED_LISTS else here
                paged = name in PAGED_LISTS or child_page != page
                self.estimate.lists.append(Heavy(listed, below + items, items, paged))
        return cost

    def list_size(self, type_name, name, field_type, page, parent_field) -> int:
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if not isinstance(field_type, GraphQLList):
            return 1
        if name in PAGED_LISTS and type_name.endswith("Connection"):
            return page
        if (type_name, name) in SIZE_FROM_PARENT_ARGUMENT:
            argument, default = SIZE_FROM_PARENT_ARGUMENT[(type_name, name)]
            given = self.argument(parent_field, argument) if parent_field else None
            return given + 1 if isinstance(given, int) and given > 0 else default
        return LIST_SIZES.get((type_name, name), DEFAULT_LIST_SIZE)


def estimate_cost(
    schema: GraphQLSchema,
    document,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> Estimate:
    """The cost of the operation `operation_name` of a validated `document`."""
    operation: OperationDefinitionNode | None = get_operation_ast(document, operation_name)
    if operation is None:
        return Estimate()
    root = schema.get_root_type(operation.operation)
    walk = _Walk(schema, document, variables or {})
    walk.estimate.cost = walk.walk(operation.selection_set, root, 1, "", MAX_PAGE_SIZE, None)
    return walk.estimate


def too_complex(estimate: Estimate, budget: int = BUDGET) -> GraphQLError:
    """The refusal, naming the list to page and where it sits."""
    message = (
        f"This query could return about {estimate.cost:,} values, more than the {budget:,} one"
        " request may ask for."
    )
    heavy = estimate.heaviest()
    if heavy is not None:
        name = heavy.path.rsplit(".", 1)[-1]
        fewer = "a smaller `first`" if heavy.paged else "fewer fields under it"
        message += (
            f" Page `{name}` (at {heavy.path}): ask for {fewer}, or fetch it in a query of its own"
        )
        around = heavy.items_around
        message += f" for each of the {around:,} items around it." if around > 1 else "."
    return GraphQLError(
        message, extensions={"code": "QUERY_TOO_COMPLEX", "cost": estimate.cost, "budget": budget}
    )


class QueryCost(SchemaExtension):
    """Refuses an operation whose estimated cost is above `BUDGET`, before it runs."""

    def on_execute(self):
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            estimate = estimate_cost(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if estimate.cost > BUDGET:
                context.result = ExecutionResult(data=None, errors=[too_complex(estimate)])
        yield
