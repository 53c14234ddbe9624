"""Query limits (SPEC §13): depth above 12, more than 50 aliases or 5 000 tokens are refused,
and so is a query whose estimated cost is above the budget (`resolvers/cost.py`).

They protect the single SQLite connection from documents that are cheap to send and expensive
to run. Strawberry's own limiter extensions do the counting; this module only fixes the numbers
and hands them over as factories, because Strawberry builds an extension per request from a class
or factory (an extension *instance* would be shared by every request and is deprecated).

Wire them where the schema is built:

    strawberry.Schema(query=Query, ..., extensions=[*protection_extensions(), ...])
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from resolvers.cost import QueryCost
from resolvers.error_codes import QUERY_TOO_COMPLEX, coded_rule

MAX_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 5000


CACHED_DOCUMENTS = 256


# The depth and alias limits are validation rules. Strawberry's limiter extensions make a new
# rule class per instance, which would defeat the validation cache (its key holds the rules), so
# the rule classes are made once here and added per request with AddValidationRules. Their
# refusals carry `QUERY_TOO_COMPLEX`, like the cost's.
_LIMIT_RULES = [
    coded_rule(rule, QUERY_TOO_COMPLEX)
    for rule in (
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    )
]


def protection_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for the limits, one fresh set of extensions per request."""
    return [
        functools.partial(AddValidationRules, _LIMIT_RULES),
        functools.partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        QueryCost,
    ]


def caching_extensions() -> list[Callable[[], SchemaExtension]]:
    """Parse and validate each distinct document once: a dashboard or a phone form sends the
    same few operations again and again, and parsing plus validation cost more than running a
    page of 50 animals. The LRU caches are Strawberry's, shared across requests and bounded."""
    return [
        functools.partial(ParserCache, maxsize=CACHED_DOCUMENTS),
        functools.partial(ValidationCache, maxsize=CACHED_DOCUMENTS),
    ]
