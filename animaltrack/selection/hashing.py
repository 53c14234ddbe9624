"""The roster hash: a short fingerprint of exactly which animals a client saw (SPEC §9.1)."""

from __future__ import annotations

from collections.abc import Iterable

import xxhash


def compute_roster_hash(animal_ids: Iterable[str], from_location_id: str | None = None) -> str:
    """xxhash64 of the sorted ids joined with ',', then '|', then the location id (or '')."""
    text = ",".join(sorted(animal_ids)) + "|" + (from_location_id or "")
    return xxhash.xxh64(text.encode("utf-8")).hexdigest()
