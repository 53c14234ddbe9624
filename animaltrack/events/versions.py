"""Payload versions and their upcasters (SPEC §4): old events read in today's shape.

Every stored event and revision carries `payload_version`, an integer per event type. When the
shape of a payload changes, its type's version goes up by one and an upcaster is registered: a
pure function from version k's dict to version k+1's. Old rows are never rewritten; whoever
reads a stored payload (`Event.from_row`, the revision readers, export, import) passes it
through `upcast`, which applies the chain of steps from the stored version to today's.

What changes how:
* a new field with a default needs no new version (the model fills it in);
* a renamed, split, or re-encoded field is a new version with an upcaster;
* a change of meaning is a new event type, not a new version.

A few readers filter stored payloads in SQL, where no upcaster runs: `json_extract` of `tag`
(`projections.tags`), and of `location_id` / `feed_type_code`
(`EventStore.events_of_types_naming`). A new version must keep those keys as they are, or
change those readers with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from animaltrack.events.types import ALL_EVENT_TYPES

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class PayloadVersions:
    """Today's payload version of each event type and the steps that lead to it."""

    def __init__(self, current: dict[str, int]):
        self.current = dict(current)
        self.steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate the step from `from_version` to `from_version + 1` of `event_type`."""

        def add(step: Upcaster) -> Upcaster:
            self.steps[(event_type, from_version)] = step
            return step

        return add

    def version_of(self, event_type: str) -> int:
        """The version a payload of `event_type` is written in today."""
        return self.current.get(event_type, 1)

    def upcast(self, event_type: str, payload: dict[str, Any], version: int) -> dict[str, Any]:
        """`payload`, stored at `version`, in today's shape. A version newer than this code
        knows is refused: reading it as today's shape would misread it silently."""
        target = self.version_of(event_type)
        if version > target:
            raise ValueError(
                f"{event_type} payload version {version} is newer than this program knows"
                f" ({target}); upgrade AnimalTrack to read it"
            )
        while version < target:
            step = self.steps.get((event_type, version))
            if step is None:
                raise ValueError(f"no upcaster from {event_type} payload version {version}")
            payload = step(payload)
            version += 1
        return payload

    def header(self) -> dict[str, int]:
        """Each event type's version, as an export's header states it."""
        return {event_type: self.version_of(event_type) for event_type in ALL_EVENT_TYPES}


# Every type is at version 1 today; no step is registered yet.
PAYLOAD_VERSIONS = PayloadVersions({event_type: 1 for event_type in ALL_EVENT_TYPES})


def upcast(event_type: str, payload: dict[str, Any], version: int) -> dict[str, Any]:
    """Read a stored payload in today's shape (see `PayloadVersions.upcast`)."""
    return PAYLOAD_VERSIONS.upcast(event_type, payload, version)


def version_of(event_type: str) -> int:
    """The version a payload of `event_type` is written in today."""
    return PAYLOAD_VERSIONS.version_of(event_type)
