"""The one hierarchy of domain errors.

Every refusal in the domain core raises a subclass of `AnimalTrackError`. Each carries a message a
farmer understands ("Duck 01J… died on 3 May; it cannot be moved") and, where useful, the structured
facts a client needs (the field at fault, the conflicting event ids). The GraphQL layer maps these
classes onto its error types in exactly one place (`schema/errors.py`); nothing else catches them.
"""

from __future__ import annotations

from collections.abc import Iterable


class AnimalTrackError(Exception):
    """Base class of every refusal by the domain core."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(AnimalTrackError):
    """The command's input is wrong; `field` names the input at fault when there is one.

    A message that names its field (`for_field`) keeps the words apart in `reason`, so a layer
    that spells fields its own way (the API's camelCase) can name the field in its own words.
    """

    def __init__(self, message: str, field: str | None = None, *, reason: str | None = None):
        super().__init__(message)
        self.field = field
        self.reason = reason

    @classmethod
    def for_field(cls, field: str, reason: str) -> ValidationError:
        """The refusal "`field`: `reason`" (`count: must be at least 1`)."""
        return cls(f"{field}: {reason}", field=field, reason=reason)


class ParseError(AnimalTrackError):
    """A selection filter does not parse; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at position {position})")
        self.reason = message
        self.position = position


class HistoryFileError(AnimalTrackError):
    """A line of a history file cannot be imported; `line` is its 1-based number (0 when the
    file as a whole is at fault)."""

    def __init__(self, message: str, line: int):
        super().__init__(f"line {line}: {message}" if line else message)
        self.reason = message
        self.line = line


class NotFoundError(AnimalTrackError):
    """A thing the command names (animal, location, event, product…) does not exist."""


class ForbiddenError(AnimalTrackError):
    """The actor's role does not allow this command."""


class ClockSkewError(AnimalTrackError):
    """The event's time lies too far in the future of the server's clock."""


class HistoryConflict(AnimalTrackError):
    """The change would make a later (or this) event break its rules; nothing was written."""

    def __init__(self, message: str, conflicting_event_ids: Iterable[str] = ()):
        super().__init__(message)
        self.conflicting_event_ids = list(conflicting_event_ids)


class VersionConflict(AnimalTrackError):
    """An edit was based on a version of the event that is no longer the latest."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class DependentEvents(AnimalTrackError):
    """A delete would orphan later events that depend on the deleted one."""

    def __init__(self, message: str, dependent_event_ids: Iterable[str]):
        super().__init__(message)
        self.dependent_event_ids = list(dependent_event_ids)


class SelectionMismatchError(AnimalTrackError):
    """The animals the client saw are no longer what its filter selects (SPEC §9.2).

    `result` is the `SelectionValidationResult` with the server's current ids, hash and diff.
    """

    def __init__(self, result):
        added, removed = len(result.diff.added), len(result.diff.removed)
        super().__init__(
            f"The selection changed since you looked: {added} animal(s) added, {removed} removed. "
            "Check the new list and confirm to go ahead."
        )
        self.result = result
