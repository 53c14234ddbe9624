"""Optimistic locking of selections: did the client see what the server selects now? (SPEC §9.2)"""

from __future__ import annotations

from dataclasses import dataclass, field

from animaltrack.errors import ValidationError
from animaltrack.projections.locations import list_locations
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


_ASK_AGAIN = "and send the rosterHash it gives"


def stale_hash_error(db, context: SelectionContext) -> ValidationError:
    """Why a roster hash differs when the animals did not change: it was made with another
    location than the one the command hashes (SPEC §9.2), or not by the `selection` query at
    all. The client's ids are hashed with no location and with each location of the farm, to
    find the one it used; a `SelectionMismatch` saying "0 added, 0 removed" would explain
    nothing."""
    names = {location.id: location.name for location in list_locations(db)}

    def named(location_id: str) -> str:
        return f"'{names.get(location_id, location_id)}'"

    made_for = [
        candidate
        for candidate in (None, *names)
        if compute_roster_hash(context.resolved_ids, candidate) == context.roster_hash
    ]
    hashed = context.from_location_id
    if not made_for:
        message = (
            "The roster hash was not made by the `selection` query for these animals: ask"
            f" `selection` again {_ASK_AGAIN}."
        )
    elif made_for[0] is None:
        message = (
            f"The roster hash of these animals was made without a location, but this command"
            f" names {named(hashed)} (a move's fromLocationId, a collection's locationId): ask"
            f" `selection` with that same location {_ASK_AGAIN}."
        )
    elif hashed is None:
        message = (
            f"The roster hash of these animals was made for {named(made_for[0])}, but this"
            " command names no location: ask `selection` without fromLocationId or locationId"
            f" {_ASK_AGAIN}."
        )
    else:
        message = (
            f"The roster hash of these animals was made for {named(made_for[0])}, but this"
            f" command names {named(hashed)}: ask `selection` with {named(hashed)} as its"
            f" fromLocationId or locationId {_ASK_AGAIN}."
        )
    return ValidationError(message, field="roster_hash")
