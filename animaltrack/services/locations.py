"""`LocationService`: create, rename and archive locations (SPEC §5.1)."""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import (
    LocationArchivedPayload,
    LocationCreatedPayload,
    LocationRenamedPayload,
)
from animaltrack.services.base import Service


class LocationService(Service):
    def create_location(
        self, payload: LocationCreatedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        def build(ts):
            final = payload
            if final.location_id is None:
                final = payload.model_copy(update={"location_id": self._new_ids(1)[0]})
            return final, []

        return self._command(t.LOCATION_CREATED, payload, ts_utc, actor, build, nonce=nonce)

    def rename_location(
        self, payload: LocationRenamedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.LOCATION_RENAMED, payload, ts_utc, actor, nonce=nonce)

    def archive_location(
        self, payload: LocationArchivedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.LOCATION_ARCHIVED, payload, ts_utc, actor, nonce=nonce)
