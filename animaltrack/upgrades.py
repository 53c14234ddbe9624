"""Upgrades of stored data that a data migration leaves pending (SPEC §1 principle 1, §14).

A schema step in `store.migrations` cannot know what a fact is — that is defined here, in the
domain core — so a step that must rewrite stored rows records an upgrade in `pending_upgrades`
within its own transaction, and `animaltrack migrate` runs it: the rewrite and the rebuild of every
projection in one transaction (a crash leaves it pending, never half done), then a VACUUM.
`serve` refuses to start while one is pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from animaltrack.events.refs import created_animal_ids, facts_refs
from animaltrack.projections.replay import replay
from store import transaction

Progress = Callable[[str, int, int], None]
_BATCH = 10_000


def pending_upgrades(db) -> list[str]:
    if not db["pending_upgrades"].exists():
        return []
    return [r[0] for r in db.execute("SELECT name FROM pending_upgrades ORDER BY name")]


def run_upgrades(db, progress: Progress | None = None) -> list[str]:
    """Run every pending upgrade, each in one transaction; VACUUM after any. Returns their
    names."""
    names = pending_upgrades(db)
    for name in names:
        with transaction(db):
            UPGRADES[name](db, progress or (lambda *_: None))
            db.execute("DELETE FROM pending_upgrades WHERE name = ?", (name,))
    if names:
        db.execute("VACUUM")
    return names


def _facts_only_log(db, progress: Progress) -> None:
    """Take the derived references out of every stored event and revision (SPEC §1.9), then
    fold the log into the projections again."""
    (events,) = db.execute("SELECT COUNT(*) FROM events").fetchone()
    done, after = 0, ""
    while rows := db.execute(
        "SELECT id, type, entity_refs, payload FROM events WHERE id > ? ORDER BY id LIMIT ?",
        (after, _BATCH),
    ).fetchall():
        db.conn.executemany(
            "UPDATE events SET entity_refs = ? WHERE id = ?",
            [(_facts(type_, refs, payload), id_) for id_, type_, refs, payload in rows],
        )
        after, done = rows[-1][0], done + len(rows)
        progress("rewrite", done, events)
    revisions = db.execute(
        "SELECT r.event_id, r.version, e.type, r.entity_refs, r.payload"
        " FROM event_revisions r JOIN events e ON e.id = r.event_id"
    ).fetchall()
    db.conn.executemany(
        "UPDATE event_revisions SET entity_refs = ? WHERE event_id = ? AND version = ?",
        [(_facts(type_, refs, payload), id_, v) for id_, v, type_, refs, payload in revisions],
    )
    live = db.execute(
        "SELECT COUNT(*) FROM events WHERE id NOT IN (SELECT target_event_id FROM event_tombstones)"
    ).fetchone()[0]
    replay(db, progress=lambda n: progress("rebuild", n, live))


def _facts(event_type: str, entity_refs: str, payload: str) -> str:
    created = created_animal_ids(event_type, json.loads(entity_refs))
    return json.dumps(facts_refs(event_type, json.loads(payload), created))


def _bird_time(db, progress: Progress) -> None:
    """Fill the bird-time projection of a farm recorded before it existed, from the intervals."""
    from animaltrack.projections.bird_time import BirdTimeProjection

    projection = BirdTimeProjection(db)
    projection.truncate()
    projection.batch("main").finish()
    progress("bird time", 1, 1)


UPGRADES: dict[str, Callable[..., None]] = {
    "facts_only_log": _facts_only_log,
    "bird_time": _bird_time,
}
