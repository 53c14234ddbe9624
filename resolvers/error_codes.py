"""Every `errors` entry carries `extensions.code`, whatever made it (SPEC §13 Errors).

Domain refusals take theirs from the one mapping (`schema/errors.py`), timeouts and the
unexpected from `resolvers/failures.py`, the query cost from `resolvers/cost.py`. What is left
is graphql-core's own errors, which carry no code; a client must not have to read their wording
to know what went wrong, so they are coded here by the stage that made them (their wording
stays: its readers are developers):

- **parse**: a document that does not parse does not validate either, `GRAPHQL_VALIDATION_FAILED`;
  one past the token cap, `QUERY_TOO_COMPLEX` like the other limits;
- **validation**: a literal value that does not coerce (a wrong enum value, a bad scalar such as
  a `DateTime` without offset, a missing input field) and a missing required argument,
  `BAD_USER_INPUT`; the depth and alias limits, `QUERY_TOO_COMPLEX` (`resolvers/limits.py`
  codes their rules with `coded_rule`), and so is graphql-core's cap on introspection depth;
  any other rule, `GRAPHQL_VALIDATION_FAILED`;
- **execution**, before any resolver runs: variable values that do not coerce, `BAD_USER_INPUT`
  (for a subscription, on each streamed result, as its variables are coerced later).

Validation rules are told apart by class, not by their messages: `coded_rule` wraps a rule so
that every error it reports carries the code. Only the token cap, which the parser reports as a
syntax error, is known by its words.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError, ValidationContext
from graphql.validation import (
    MaxIntrospectionDepthRule,
    ProvidedRequiredArgumentsRule,
    ValuesOfCorrectTypeRule,
)
from graphql.validation.rules import ASTValidationRule
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension

BAD_USER_INPUT = "BAD_USER_INPUT"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"

# graphql-core's parser says this, and only this, when a document passes `max_tokens`.
_TOKEN_CAP = "Document contains more than"


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """`error` with `extensions.code` (a code it already has is kept)."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def coded_rule(rule: type[ASTValidationRule], code: str) -> type[ASTValidationRule]:
    """`rule`, made once, whose every error carries `code`: those it reports while visiting
    (`report_error`) and those it reports at once from `__init__` (Strawberry's limiters)."""

    class Coded(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: ValidationContext) -> None:
            on_error = context.on_error
            context.on_error = lambda error: on_error(with_code(error, code))  # type: ignore[method-assign]
            try:
                super().__init__(context)
            finally:
                context.on_error = on_error  # type: ignore[method-assign]

        def report_error(self, error: GraphQLError) -> None:
            super().report_error(with_code(error, code))

    Coded.__name__ = Coded.__qualname__ = rule.__name__
    return Coded


_CODED_RULES = {
    ValuesOfCorrectTypeRule: coded_rule(ValuesOfCorrectTypeRule, BAD_USER_INPUT),
    ProvidedRequiredArgumentsRule: coded_rule(ProvidedRequiredArgumentsRule, BAD_USER_INPUT),
    MaxIntrospectionDepthRule: coded_rule(MaxIntrospectionDepthRule, QUERY_TOO_COMPLEX),
}


def _parse_code(error: GraphQLError) -> str:
    return QUERY_TOO_COMPLEX if _TOKEN_CAP in error.message else GRAPHQL_VALIDATION_FAILED


def _is_coercion(error: GraphQLError) -> bool:
    """Strawberry's own input checks (its `@oneOf` and `Maybe` rules, our scalars) raise this."""
    return isinstance(error, StrawberryInputCoercionError) or isinstance(
        error.original_error, StrawberryInputCoercionError
    )


class GraphQLErrorCodes(SchemaExtension):
    """Codes graphql-core's errors by stage (see the module doc). Listed first among the
    schema's extensions, so its validation rules are in place before any cache validates, and
    its last look at the answer comes after every other extension has had its say."""

    def on_validate(self):
        context = self.execution_context
        context.validation_rules = tuple(
            _CODED_RULES.get(rule, rule) for rule in context.validation_rules
        )
        yield
        for error in context.pre_execution_errors or ():
            with_code(error, BAD_USER_INPUT if _is_coercion(error) else GRAPHQL_VALIDATION_FAILED)

    def on_execute(self):
        yield
        _code_unvalidated(self.execution_context.result)

    def on_operation(self):
        try:
            yield
        except GraphQLSyntaxError as error:  # raised from a parser cache, past Strawberry's catch
            raise with_code(error, _parse_code(error)) from None
        _code_unvalidated(self.execution_context.result)

    def on_stream_result(self, result):
        """A subscription's results: its variables are coerced after `on_execute` has ended."""
        _code_unvalidated(result)
        yield


def _code_unvalidated(result) -> None:
    """Code what validation did not see: a document that does not parse, and variables that do
    not coerce (errors without a path: no resolver ran). Validation's own are coded already."""
    for error in (result.errors or ()) if result else ():
        if isinstance(error, GraphQLSyntaxError):
            with_code(error, _parse_code(error))
        elif error.path is None:
            with_code(error, BAD_USER_INPUT)
