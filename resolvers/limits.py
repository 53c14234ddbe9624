"""Query limits (SPEC §13): depth above 12, more than 50 aliases or 5 000 tokens are refused.

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
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

MAX_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 5000


def protection_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories for the three limiter extensions, one fresh set per request."""
    return [
        functools.partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        functools.partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
        functools.partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
    ]
