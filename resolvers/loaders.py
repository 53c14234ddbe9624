"""Per-request loaders: batch and cache reads by key so a page costs a constant number of queries.

Strawberry's `DataLoader` batches by awaiting, which needs async execution; our resolvers are
synchronous (SQLite is, and tests run `execute_sync`), so graphql-core resolves a list's items
one after another and an awaiting loader would never see two keys at once. `BatchLoader` batches
by *hints* instead: whoever builds a page tells the loaders which keys its items will want
(`hint`, free), and the first `load` of any key fetches every hinted key still missing in one
call. Nothing is fetched for a field the client did not ask for.

Loaders are built fresh for each request (`Loaders.for_db`), so nothing leaks between users;
mutations `clear()` them after writing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from animaltrack.queries import animals, events, locations, subjects
from animaltrack.reference import list_rows

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchLoader(Generic[K, V]):
    """Cache of `fetch(keys) -> {key: value}`; missing keys load as None."""

    def __init__(self, fetch: Callable[[list[K]], Mapping[K, V]]):
        self._fetch = fetch
        self._cache: dict[K, V | None] = {}
        self._pending: set[K] = set()

    def hint(self, keys: Iterable[K | None]) -> None:
        """Keys that will probably be loaded soon; fetched together with the next miss."""
        self._pending.update(k for k in keys if k is not None and k not in self._cache)

    def load(self, key: K | None) -> V | None:
        if key is None:
            return None
        if key not in self._cache:
            self._load_batch({key})
        return self._cache[key]

    def load_many(self, keys: Iterable[K]) -> list[V | None]:
        keys = list(keys)
        missing = {k for k in keys if k not in self._cache}
        if missing:
            self._load_batch(missing)
        return [self._cache[k] for k in keys]

    def prime(self, key: K, value: V) -> None:
        self._cache[key] = value

    def clear(self) -> None:
        self._cache.clear()
        self._pending.clear()

    def _load_batch(self, keys: set[K]) -> None:
        batch = sorted(keys | self._pending, key=repr)
        self._pending.clear()
        found = self._fetch(batch)
        for k in batch:
            self._cache[k] = found.get(k)


def _by_instant(read: Callable[[Any, list[str], int], Mapping[str, V]], db):
    """Adapt a reader of `(ids, ts)` to keys `(id, ts)`: one call per distinct instant."""

    def fetch(keys: list[tuple[str, int]]) -> dict[tuple[str, int], V]:
        by_ts: dict[int, list[str]] = defaultdict(list)
        for animal_id, ts in keys:
            by_ts[ts].append(animal_id)
        found: dict[tuple[str, int], V] = {}
        for ts, ids in by_ts.items():
            found |= {(k, ts): v for k, v in read(db, ids, ts).items()}
        return found

    return fetch


def _whole_table(db, table: str):
    """Reference tables are small: the first miss loads all of it."""
    return lambda keys: {row["code"]: row for row in list_rows(db, table)}


@dataclass
class Loaders:
    location: BatchLoader
    animal: BatchLoader
    animal_at: BatchLoader
    location_at: BatchLoader
    aliases: BatchLoader
    event: BatchLoader
    tombstone: BatchLoader
    revisions: BatchLoader
    subjects: BatchLoader
    species: BatchLoader
    product: BatchLoader
    feed_type: BatchLoader

    @classmethod
    def for_db(cls, db) -> Loaders:
        return cls(
            location=BatchLoader(lambda ids: locations.locations_by_ids(db, ids)),
            animal=BatchLoader(lambda ids: animals.latest_snapshots(db, ids)),
            animal_at=BatchLoader(_by_instant(animals.snapshots_at, db)),
            location_at=BatchLoader(_by_instant(animals.locations_at, db)),
            aliases=BatchLoader(lambda ids: animals.aliases_of(db, ids)),
            event=BatchLoader(lambda ids: events.events_by_ids(db, ids)),
            tombstone=BatchLoader(lambda ids: events.tombstones_for(db, ids)),
            revisions=BatchLoader(lambda ids: events.revisions_for(db, ids)),
            subjects=BatchLoader(
                lambda ids: subjects.subjects_of(db, events.events_by_ids(db, ids).values())
            ),
            species=BatchLoader(_whole_table(db, "species")),
            product=BatchLoader(_whole_table(db, "products")),
            feed_type=BatchLoader(_whole_table(db, "feed_types")),
        )

    def clear(self) -> None:
        """Forget everything (after a write, or between subscription events)."""
        for f in fields(self):
            getattr(self, f.name).clear()
