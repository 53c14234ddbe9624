"""Selections: the filter language, resolving it at an instant, roster hashes, validation."""

from animaltrack.errors import ParseError, SelectionMismatchError
from animaltrack.selection.hashing import compute_roster_hash
from animaltrack.selection.parser import FieldFilter, FilterAST, parse_filter
from animaltrack.selection.resolver import SelectionResult, resolve_filter
from animaltrack.selection.validation import (
    SelectionContext,
    SelectionDiff,
    SelectionValidationResult,
    validate_selection,
)

__all__ = [
    "FieldFilter",
    "FilterAST",
    "ParseError",
    "SelectionContext",
    "SelectionDiff",
    "SelectionMismatchError",
    "SelectionResult",
    "SelectionValidationResult",
    "compute_roster_hash",
    "parse_filter",
    "resolve_filter",
    "validate_selection",
]
