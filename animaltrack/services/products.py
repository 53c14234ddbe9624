"""`ProductService`: collecting and selling products (SPEC §5.3)."""

from __future__ import annotations

from animaltrack.errors import ValidationError
from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import ProductCollectedPayload, ProductSoldPayload
from animaltrack.projections.locations import get_location
from animaltrack.projections.state import FarmState
from animaltrack.reference import require_product
from animaltrack.selection.validation import SelectionContext
from animaltrack.services.base import Service


def require_producers(farm: FarmState, product: dict, location_id: str, ts: int) -> None:
    """A collection of a product with a species needs a producer there at that time when it is
    recorded, or when an edit moves it (SPEC §5.3); a later change that leaves it with none
    does not break history: the eggs were found."""
    if product["species_code"] and not farm.producers_at(product, location_id, ts):
        raise ValidationError(
            f"No {product['species_code']} lived at that location at that time, so no"
            f" '{product['name']}' can have been collected there.",
            field="location_id",
        )


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
            if payload.resolved_ids is None and selection is None:
                require_producers(self.farm, product, payload.location_id, ts)
                return payload, []
            return self._on_selection(payload, selection, ts), []

        return self._command(
            t.PRODUCT_COLLECTED, payload, ts_utc, actor, build, nonce=nonce, selection=selection
        )

    def sell_product(
        self, payload: ProductSoldPayload, ts_utc: int, actor: str, *, nonce=None
    ) -> Event:
        return self._command(t.PRODUCT_SOLD, payload, ts_utc, actor, nonce=nonce)
