"""Late entries, edits and deletes in a simulated history, made through the services (SPEC §12).

The generator writes most of a history straight to the log: valid by construction, folded into
the projections in one pass. A real farm also records things late, miscounts and enters things
twice, and those go through the same services as the API's commands, edits and deletes, so the
history rule (SPEC §6.3) checks them against everything already recorded: "through the same
validation as everything else". The farm queues them as they happen; at a checkpoint (the end
of a day) the log written so far is folded into the projections (`replay`), then each queued
entry is recorded in queue order on the simulated clock: a death or an egg collection dated a
day or two back while later events of other animals were already recorded, an egg count
corrected, a feed given entered twice deleted by whoever entered it.

They are few (about `SHARE` of the events), since each takes the per-event path and every
checkpoint folds the whole log again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from animaltrack.events import types as t
from animaltrack.events.model import Event
from animaltrack.events.payloads import Payload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.projections.replay import replay
from animaltrack.services.animal import AnimalService
from animaltrack.services.delete import delete_event
from animaltrack.services.edit import edit_event
from animaltrack.services.products import ProductService

# About this share of a history's events is recorded through the services.
SHARE = 0.005


@dataclass(frozen=True)
class _Late:
    event_type: str
    ts_utc: int
    actor: str
    payload: Payload


@dataclass(frozen=True)
class _Edit:
    event: Event
    role: str
    changes: dict


@dataclass(frozen=True)
class _Delete:
    event: Event
    role: str
    reason: str


class Corrections:
    """The queue of entries a simulated farm records through the services, and their record."""

    def __init__(self, db, store: EventStore):
        self.db = db
        self.store = store
        self.registry = default_registry(db)
        self.animals = AnimalService(db, store, self.registry)
        self.products = ProductService(db, store, self.registry)
        self.queue: list[_Late | _Edit | _Delete] = []
        self.counts: Counter[str] = Counter()  # backdated, edited, deleted

    @property
    def appends(self) -> int:
        """Events the queue will still append (late entries; edits and deletes append none)."""
        return sum(isinstance(item, _Late) for item in self.queue)

    def late(self, event_type: str, ts_utc: int, actor: str, payload: Payload) -> None:
        self.queue.append(_Late(event_type, ts_utc, actor, payload))

    def edit(self, event: Event, role: str, changes: dict) -> None:
        self.queue.append(_Edit(event, role, changes))

    def delete(self, event: Event, role: str, reason: str) -> None:
        self.queue.append(_Delete(event, role, reason))

    def record(self, tick: Callable[[], None], progress: Callable[[int], None] | None) -> float:
        """Fold the log written so far, then record the queue, calling `tick()` (the clock
        moves on) before each entry; return the seconds the fold took. A refusal is raised: the
        farm queued something its own history does not allow."""
        began = time.perf_counter()
        replay(self.db, self.registry, progress=progress)
        folded = time.perf_counter() - began
        for item in self.queue:
            tick()
            if isinstance(item, _Late):
                record = {
                    t.ANIMAL_OUTCOME: self.animals.record_outcome,
                    t.PRODUCT_COLLECTED: self.products.collect_product,
                }[item.event_type]
                record(item.payload, item.ts_utc, item.actor)
                self.counts["backdated"] += 1
            elif isinstance(item, _Edit):
                edit_event(
                    self.db,
                    self.store,
                    self.registry,
                    item.event.id,
                    actor=item.event.actor,
                    role=item.role,
                    payload=item.changes,
                    expected_version=item.event.version,
                )
                self.counts["edited"] += 1
            else:
                delete_event(
                    self.db,
                    self.store,
                    self.registry,
                    item.event.id,
                    actor=item.event.actor,
                    role=item.role,
                    reason=item.reason,
                )
                self.counts["deleted"] += 1
        self.queue.clear()
        return folded
