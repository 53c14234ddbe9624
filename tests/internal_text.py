"""What no answer of the API may show (SPEC §13 Errors: no Python, Pydantic or SQLite text, and
no field named the domain's way).

Shared by the GraphQL drivers, which check every answer of the test suite, and the fuzz run's
hooks (`tests/http/fuzz_hooks.py`), which check every answer schemathesis provokes.
"""

from __future__ import annotations

import re
from typing import Any

# Text that only Python, Pydantic or SQLite write; a message holding one leaked it.
INTERNAL_TEXT = re.compile(
    r"Traceback|sqlite3?\b|pydantic|validation error for|Input should be|object has no attribute"
    r"|NoneType|KeyError|TypeError|ValueError|\[<class|integer overflow|too large to convert"
    r"|Expression tree|unsupported operand|not subscriptable|not iterable|File \""
    # Pydantic's other wordings, and the error types and links it prints
    r"|Extra inputs|List should|String should|Dictionary should|Tuple should|Field required"
    r"|Value error,|Assertion failed,|type=[a-z]+_[a-z_]+|errors\.pydantic\.dev"
    r"|should have at (least|most) \d+ items? after validation",
    re.IGNORECASE,
)
# A message that starts by naming a field in the domain's snake_case (`resolved_ids: ...`): the
# API names its fields in camelCase (`resolvedIds: ...`). Filter words such as `life_stage`
# inside a message are the filter language's own and stay.
SNAKE_CASE_FIELD = re.compile(r"^(payload\.)?[a-z]+(_[a-z]+)+(\.\w+)*: ")


def messages_in(answer: Any) -> list[str]:
    """Every `message` in an answer: `errors[].message` and the union members' in `data`."""
    found = []
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key == "message" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(messages_in(value))
    elif isinstance(answer, list):
        for item in answer:
            found.extend(messages_in(item))
    return found


def leaks(answer: Any) -> list[str]:
    """The messages of `answer` that show internal text."""
    return [m for m in messages_in(answer) if shows_internal_text(m)]


def shows_internal_text(message: str) -> bool:
    """`message` holds library text, or names a field the domain's way."""
    return bool(INTERNAL_TEXT.search(message) or SNAKE_CASE_FIELD.match(message))


def uncoded(answer: Any) -> list[Any]:
    """The `errors` entries of `answer` without `extensions.code` (SPEC §13: every one has it)."""
    errors = answer.get("errors") or [] if isinstance(answer, dict) else []
    return [e for e in errors if not (e.get("extensions") or {}).get("code")]
