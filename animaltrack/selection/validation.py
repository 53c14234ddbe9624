"""Optimistic locking of selections: did the client see what the server selects now? (SPEC §9.2)"""

from __future__ import annotations

from dataclasses import dataclass, field

from animaltrack.selection.hashing import compute_roster_hash
from animaltrack.selection.parser import parse_filter
from animaltrack.selection.resolver import resolve_filter


@dataclass(frozen=True)
class SelectionContext:
    """What the client saw: its filter, the ids it was shown, their hash, and when it acts."""

    filter: str
    resolved_ids: list[str]
    roster_hash: str
    ts_utc: int | None  # None: the instant the command is recorded at
    from_location_id: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class SelectionDiff:
    added: list[str] = field(default_factory=list)  # the server has them, the client did not
    removed: list[str] = field(default_factory=list)  # the client had them, no longer selected


@dataclass(frozen=True)
class SelectionValidationResult:
    valid: bool
    resolved_ids: list[str]
    roster_hash: str
    diff: SelectionDiff | None = None


def validate_selection(db, context: SelectionContext) -> SelectionValidationResult:
    """Re-resolve the filter at the context's time and compare hashes (SPEC §9.2)."""
    current = resolve_filter(db, parse_filter(context.filter), context.ts_utc)
    server_hash = compute_roster_hash(current.animal_ids, context.from_location_id)
    if server_hash == context.roster_hash:
        return SelectionValidationResult(True, list(context.resolved_ids), server_hash, None)
    client, server = set(context.resolved_ids), set(current.animal_ids)
    diff = SelectionDiff(added=sorted(server - client), removed=sorted(client - server))
    return SelectionValidationResult(
        valid=context.confirmed,
        resolved_ids=list(current.animal_ids),
        roster_hash=server_hash,
        diff=diff,
    )
