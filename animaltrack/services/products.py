"""`ProductService`: collecting and selling products (SPEC §5.3)."""

from __future__ import annotations

from animaltrack.errors import ValidationError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import ProductCollectedPayload, ProductSoldPayload, revised
from animaltrack.projections import intervals
from animaltrack.projections.animal_registry import registry_rows
from animaltrack.projections.locations import get_location
from animaltrack.reference import require_product
from animaltrack.selection.validation import SelectionContext
from animaltrack.services.base import Service


def derive_producers(db, product: dict, location_id: str, ts: int) -> list[str]:
    """The live animals of the product's species at the location at ts.

    Stored in the event's `entity_refs.animal_ids` as a record of who was there; a collection
    with no producer is refused.
    """
    live = intervals.live_ids_at_location(db, location_id, ts)
    rows = registry_rows(db, live)
    producers = [a for a in live if rows[a]["species"] == product["species_code"]]
    if not producers:
        raise ValidationError(
            f"No {product['species_code']} lived at that location at that time, so no"
            f" '{product['name']}' can have been collected there.",
            field="location_id",
        )
    return producers


class ProductService(Service):
    def collect_product(
        self,
        payload: ProductCollectedPayload,
        ts_utc: int,
        actor: str,
        *,
        selection: SelectionContext | None = None,
        nonce=None,
    ) -> Event:
        def build(ts):
            product = require_product(self.db, payload.product_code)
            get_location(self.db, payload.location_id)  # an unknown place is NotFound, first
            refs: dict = {"location_id": payload.location_id}
            final = payload
            if payload.resolved_ids is not None or selection is not None:
                ids = self._selected_ids(payload.resolved_ids, selection, ts)
                final = revised(
                    payload,
                    resolved_ids=ids,
                    filter=selection.filter if selection else payload.filter,
                )
                refs["animal_ids"] = ids
            elif product["species_code"]:
                refs["animal_ids"] = derive_producers(self.db, product, payload.location_id, ts)
            return final, refs

        return self._command(
            t.PRODUCT_COLLECTED, payload, ts_utc, actor, build, nonce=nonce, selection=selection
        )

    def sell_product(
        self, payload: ProductSoldPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        def build(ts):
            return payload, {"product_code": payload.product_code}

        return self._command(t.PRODUCT_SOLD, payload, ts_utc, actor, build, nonce=nonce)
