"""`event_log_by_location`: the 500 latest events of each location, for a location's page."""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.projections.base import Projection

KEEP_PER_LOCATION = 500


class EventLogProjection(Projection):
    TABLES = ("event_log_by_location",)
    EVENT_TYPES = frozenset(t.ALL_EVENT_TYPES)

    def record(self, event: Event) -> None:
        for location in event.location_ids():
            self.db.execute(
                "INSERT OR REPLACE INTO event_log_by_location (location_id, event_id, ts_utc, type)"
                " VALUES (?, ?, ?, ?)",
                (location, event.id, event.ts_utc, event.type),
            )
            self._trim(location)

    def unrecord(self, event: Event) -> None:
        for location in event.location_ids():
            deleted = self.db.execute(
                "DELETE FROM event_log_by_location WHERE location_id = ? AND event_id = ?",
                (location, event.id),
            ).rowcount
            if deleted:
                self._refill(location, event.id)

    def _trim(self, location: str) -> None:
        self.db.execute(
            "DELETE FROM event_log_by_location WHERE location_id = :loc AND event_id IN ("
            " SELECT event_id FROM event_log_by_location WHERE location_id = :loc"
            " ORDER BY ts_utc DESC, event_id DESC LIMIT -1 OFFSET :keep)",
            {"loc": location, "keep": KEEP_PER_LOCATION},
        )

    def _refill(self, location: str, removed_id: str) -> None:
        """After a removal, take in the newest live event of the location not yet listed."""
        self.db.execute(
            "INSERT INTO event_log_by_location (location_id, event_id, ts_utc, type)"
            " SELECT r.ref_id, r.event_id, e.ts_utc, e.type FROM event_refs r"
            " JOIN events e ON e.id = r.event_id"
            " WHERE r.kind = 'location' AND r.ref_id = :loc AND r.event_id <> :removed"
            " AND r.event_id NOT IN (SELECT event_id FROM event_log_by_location"
            "   WHERE location_id = :loc)"
            " ORDER BY r.ts_utc DESC, r.event_id DESC LIMIT 1",
            {"loc": location, "removed": removed_id},
        )
        self._trim(location)
