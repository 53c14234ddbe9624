"""`FeedService`: buying feed and giving it to a location (SPEC §5.3)."""

from __future__ import annotations

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import FeedGivenPayload, FeedPurchasedPayload
from animaltrack.reference import require_feed_type
from animaltrack.services.base import Service


class FeedService(Service):
    def purchase_feed(
        self, payload: FeedPurchasedPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        def build(ts):
            feed_type = require_feed_type(self.db, payload.feed_type_code)
            final = payload
            if payload.bag_size_kg is None:
                final = payload.model_copy(update={"bag_size_kg": feed_type["default_bag_size_kg"]})
            return final, []

        return self._command(t.FEED_PURCHASED, payload, ts_utc, actor, build, nonce=nonce)

    def give_feed(self, payload: FeedGivenPayload, ts_utc: int, actor: str, *, nonce=None) -> Event:
        return self._command(t.FEED_GIVEN, payload, ts_utc, actor, nonce=nonce)
