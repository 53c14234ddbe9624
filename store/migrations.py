"""Versioned schema migrations, applied idempotently with sqlite-utils' `Migrations`.

Each step is a named function; sqlite-utils records it in `_sqlite_migrations` in the same
transaction, so running `migrate` twice changes nothing. New tables or columns go into a new
step at the end; a released step is never edited.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

END_OF_TIME_UTC = 32503680000000

migrations = Migrations("animaltrack")

_EOT = f"COALESCE(end_utc, {END_OF_TIME_UTC})"

_LOG = """
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    actor TEXT NOT NULL CHECK (actor <> ''),
    entity_refs TEXT NOT NULL CHECK (json_valid(entity_refs)),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    version INTEGER NOT NULL DEFAULT 1,
    recorded_at_utc INTEGER NOT NULL
);
CREATE INDEX events_ts ON events(ts_utc, id);
CREATE INDEX events_type_ts ON events(type, ts_utc);
CREATE INDEX events_actor_ts ON events(actor, ts_utc);
CREATE TABLE event_revisions (
    event_id TEXT NOT NULL REFERENCES events(id),
    version INTEGER NOT NULL,
    ts_utc INTEGER NOT NULL,
    actor TEXT NOT NULL,
    entity_refs TEXT NOT NULL CHECK (json_valid(entity_refs)),
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    edited_at_utc INTEGER NOT NULL,
    edited_by TEXT NOT NULL,
    PRIMARY KEY (event_id, version)
);
CREATE TABLE event_tombstones (
    id TEXT PRIMARY KEY,
    ts_utc INTEGER NOT NULL,
    actor TEXT NOT NULL,
    target_event_id TEXT NOT NULL UNIQUE REFERENCES events(id),
    reason TEXT
);
-- The log's own index of what each live event names (animals named explicitly — not the
-- producers a collection derived —, locations, feed types), kept by EventStore in the same
-- transaction; it finds the events that share a subject with a change (the history rule,
-- SPEC §6.3) and the dependents of a delete (SPEC §12).
CREATE TABLE event_refs (
    event_id TEXT NOT NULL REFERENCES events(id),
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    PRIMARY KEY (event_id, kind, ref_id)
) WITHOUT ROWID;
CREATE INDEX event_refs_subject ON event_refs(ref_id, kind, ts_utc, event_id);
CREATE TABLE idempotency_nonces (
    actor TEXT NOT NULL,
    nonce TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result_kind TEXT NOT NULL,
    result_ref TEXT NOT NULL,
    created_at_utc INTEGER NOT NULL,
    PRIMARY KEY (actor, nonce)
);
"""

_REFERENCE = """
CREATE TABLE species (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at_utc INTEGER NOT NULL,
    updated_at_utc INTEGER NOT NULL
);
CREATE TABLE products (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('piece', 'kg')),
    kind TEXT NOT NULL CHECK (kind IN ('egg', 'yield', 'other')),
    species_code TEXT REFERENCES species(code),
    collectable INTEGER NOT NULL CHECK (collectable IN (0, 1)),
    sellable INTEGER NOT NULL CHECK (sellable IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at_utc INTEGER NOT NULL,
    updated_at_utc INTEGER NOT NULL
);
CREATE TABLE feed_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    default_bag_size_kg INTEGER NOT NULL CHECK (default_bag_size_kg >= 1),
    protein_pct REAL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at_utc INTEGER NOT NULL,
    updated_at_utc INTEGER NOT NULL
);
CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'recorder', 'viewer')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at_utc INTEGER NOT NULL,
    updated_at_utc INTEGER NOT NULL
);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at_utc INTEGER NOT NULL,
    revoked_at_utc INTEGER
);
"""

# The reference data a history needs, and the log itself: what a copy of history carries.
REFERENCE_TABLES = ("species", "products", "feed_types", "users")
LOG_TABLES = ("events", "event_revisions", "event_tombstones", "log_changes")

_PROJECTIONS = f"""
CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_ts_utc INTEGER NOT NULL,
    archived_ts_utc INTEGER
);
CREATE TABLE location_name_intervals (
    location_id TEXT NOT NULL,
    name TEXT NOT NULL COLLATE NOCASE,
    start_utc INTEGER NOT NULL,
    end_utc INTEGER,
    PRIMARY KEY (location_id, start_utc)
);
CREATE INDEX location_name_intervals_name ON location_name_intervals(name);
CREATE TABLE animal_registry (
    animal_id TEXT PRIMARY KEY,
    species TEXT NOT NULL,
    sex TEXT NOT NULL,
    repro_status TEXT NOT NULL,
    life_stage TEXT NOT NULL,
    status TEXT NOT NULL,
    location_id TEXT NOT NULL,
    nickname TEXT,
    identified INTEGER NOT NULL CHECK (identified IN (0, 1)),
    origin TEXT NOT NULL,
    created_ts_utc INTEGER NOT NULL,
    last_event_utc INTEGER NOT NULL
);
CREATE TABLE live_animals_by_location (
    animal_id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    species TEXT NOT NULL,
    sex TEXT NOT NULL,
    life_stage TEXT NOT NULL,
    repro_status TEXT NOT NULL,
    identified INTEGER NOT NULL CHECK (identified IN (0, 1)),
    nickname TEXT,
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    since_utc INTEGER NOT NULL
);
CREATE INDEX live_animals_location ON live_animals_by_location(location_id, species, sex);
CREATE TABLE animal_aliases (
    alias_id TEXT PRIMARY KEY,
    survivor_id TEXT NOT NULL,
    merged_at_utc INTEGER NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX animal_aliases_survivor ON animal_aliases(survivor_id);
CREATE TABLE animal_location_intervals (
    animal_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    start_utc INTEGER NOT NULL,
    end_utc INTEGER,
    UNIQUE (animal_id, start_utc)
);
CREATE INDEX animal_location_intervals_at
    ON animal_location_intervals(location_id, {_EOT}, start_utc, animal_id);
-- At most one open interval per animal, found without walking its whole history.
CREATE UNIQUE INDEX animal_location_intervals_open
    ON animal_location_intervals(animal_id) WHERE end_utc IS NULL;
-- An R*Tree over the location intervals' spans answers "which intervals overlap [a, b)" in
-- logarithmic time wherever in history [a, b) lies (a B-tree on start or end scans half the
-- history for a mid-history instant). It is an index: triggers keep it in step, rows are
-- linked by rowid, and readers re-check the exact bounds (the R*Tree stores 32-bit floats,
-- rounded outwards, so it can only return a few intervals too many, never too few).
CREATE VIRTUAL TABLE animal_location_spans USING rtree(id, start_utc, end_utc);
CREATE TRIGGER animal_location_spans_insert AFTER INSERT ON animal_location_intervals BEGIN
    INSERT INTO animal_location_spans (id, start_utc, end_utc)
    VALUES (new.rowid, new.start_utc, COALESCE(new.end_utc, {END_OF_TIME_UTC}));
END;
CREATE TRIGGER animal_location_spans_update AFTER UPDATE OF start_utc, end_utc
    ON animal_location_intervals BEGIN
    UPDATE animal_location_spans
    SET start_utc = new.start_utc, end_utc = COALESCE(new.end_utc, {END_OF_TIME_UTC})
    WHERE id = new.rowid;
END;
CREATE TRIGGER animal_location_spans_delete AFTER DELETE ON animal_location_intervals BEGIN
    DELETE FROM animal_location_spans WHERE id = old.rowid;
END;
CREATE TABLE animal_attr_intervals (
    animal_id TEXT NOT NULL,
    attr TEXT NOT NULL,
    value TEXT NOT NULL,
    start_utc INTEGER NOT NULL,
    end_utc INTEGER,
    PRIMARY KEY (animal_id, attr, start_utc)
) WITHOUT ROWID;
CREATE INDEX animal_attr_intervals_at
    ON animal_attr_intervals(attr, value, {_EOT}, start_utc, animal_id);
CREATE TABLE animal_tag_intervals (
    animal_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    start_utc INTEGER NOT NULL,
    end_utc INTEGER,
    PRIMARY KEY (animal_id, tag, start_utc)
) WITHOUT ROWID;
CREATE INDEX animal_tag_intervals_at ON animal_tag_intervals(tag, {_EOT}, start_utc, animal_id);
CREATE TABLE tag_suggestions (
    tag TEXT PRIMARY KEY,
    use_count INTEGER NOT NULL,
    last_used_utc INTEGER NOT NULL
);
CREATE TABLE event_animals (
    event_id TEXT NOT NULL,
    animal_id TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    PRIMARY KEY (event_id, animal_id)
) WITHOUT ROWID;
CREATE INDEX event_animals_animal ON event_animals(animal_id, ts_utc, event_id);
CREATE TABLE event_log_by_location (
    location_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    type TEXT NOT NULL,
    PRIMARY KEY (location_id, event_id)
) WITHOUT ROWID;
CREATE INDEX event_log_by_location_ts ON event_log_by_location(location_id, ts_utc, event_id);
CREATE TABLE product_ledger (
    event_id TEXT NOT NULL,
    entry TEXT NOT NULL CHECK (entry IN ('collected', 'sold', 'yield')),
    product_code TEXT NOT NULL,
    location_id TEXT,
    ts_utc INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    total_price_cents INTEGER,
    unit_price_cents INTEGER,
    PRIMARY KEY (event_id, entry, product_code)
) WITHOUT ROWID;
CREATE INDEX product_ledger_at ON product_ledger(location_id, entry, product_code, ts_utc);
CREATE INDEX product_ledger_product ON product_ledger(product_code, entry, ts_utc);
CREATE TABLE feed_inventory (
    feed_type_code TEXT PRIMARY KEY,
    purchased_kg INTEGER NOT NULL,
    given_kg INTEGER NOT NULL,
    balance_kg INTEGER NOT NULL,
    last_purchase_price_per_kg_cents INTEGER,
    last_purchase_ts_utc INTEGER,
    last_given_ts_utc INTEGER
);
CREATE TABLE feed_prices (
    feed_type_code TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    price_per_kg_cents INTEGER NOT NULL,
    purchased_kg INTEGER NOT NULL,
    PRIMARY KEY (feed_type_code, ts_utc, event_id)
) WITHOUT ROWID;
CREATE TABLE feed_given (
    event_id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    feed_type_code TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    amount_kg INTEGER NOT NULL
);
CREATE INDEX feed_given_at ON feed_given(location_id, ts_utc);
"""


@migrations()
def m001_event_log(db: sqlite_utils.Database) -> None:
    """The append-only log, its revisions, tombstones, reference index and nonces."""
    _run(db, _LOG)


@migrations()
def m002_reference_data(db: sqlite_utils.Database) -> None:
    """Species, products, feed types, users and API tokens (SPEC §3)."""
    _run(db, _REFERENCE)


@migrations()
def m003_projections(db: sqlite_utils.Database) -> None:
    """Every projection table of SPEC §6."""
    _run(db, _PROJECTIONS)


# Steps that rewrite stored rows (SPEC §14): `serve` refuses to start while one is pending on a
# database that holds events, and names `animaltrack migrate`, which runs it, rebuilds the
# projections and vacuums the file.
# m009 leaves the bird time of the events already recorded to its upgrade: a server started
# on it before `animaltrack migrate` would answer every bird-day figure from an empty table.
DATA_MIGRATIONS = frozenset({"m004_facts_only_log", "m009_bird_time"})

_FACTS_ONLY = """
CREATE TABLE event_locations (
    event_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    ts_utc INTEGER NOT NULL,
    PRIMARY KEY (event_id, location_id)
) WITHOUT ROWID;
CREATE INDEX event_locations_location ON event_locations(location_id, ts_utc, event_id);
DROP TABLE event_log_by_location;
DROP TABLE event_refs;
CREATE TABLE pending_upgrades (name TEXT PRIMARY KEY);
UPDATE events SET payload = json_remove(payload, '$.from_location_id')
    WHERE type = 'AnimalMoved';
UPDATE event_revisions SET payload = json_remove(payload, '$.from_location_id')
    WHERE event_id IN (SELECT id FROM events WHERE type = 'AnimalMoved');
INSERT INTO pending_upgrades (name) SELECT 'facts_only_log' WHERE EXISTS (SELECT 1 FROM events);
"""


@migrations()
def m004_facts_only_log(db: sqlite_utils.Database) -> None:
    """The log holds facts only (SPEC §1.9): `event_locations` replaces the latest-500
    `event_log_by_location`; `event_animals` alone indexes the animals an event names, so
    `event_refs` goes; every stored move forgets its `from_location_id` (one the server wrote
    cannot be told from one a client sent). The stored entity refs are rewritten, and the
    projections rebuilt, by the upgrade this step leaves pending (`animaltrack.upgrades`): the
    definition of a fact lives in the domain core, above this layer."""
    _run(db, _FACTS_ONLY)


_LOG_CHANGES = """
CREATE TABLE log_changes (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('APPENDED', 'EDITED', 'DELETED')),
    event_id TEXT NOT NULL REFERENCES events(id),
    version INTEGER NOT NULL,
    at_utc INTEGER NOT NULL
);
"""

# The log's changes as its rows tell them: appends at their recording time, each later version
# at the time of the edit that wrote it, tombstones at their deletion time.
_NUMBER_LOG = """
INSERT INTO log_changes (kind, event_id, version, at_utc)
SELECT kind, event_id, version, at_utc FROM (
    SELECT 'APPENDED' AS kind, id AS event_id, 1 AS version, recorded_at_utc AS at_utc,
           0 AS step
    FROM events
    UNION ALL
    SELECT 'EDITED', event_id, version + 1, edited_at_utc, 1 FROM event_revisions
    UNION ALL
    SELECT 'DELETED', t.target_event_id, e.version, t.ts_utc, 2
    FROM event_tombstones t JOIN events e ON e.id = t.target_event_id
) ORDER BY at_utc, step, event_id, version
"""


def renumber_log(db: sqlite_utils.Database) -> None:
    """Number the log sequence afresh from the log's rows (a migrated log, an import, a copy of
    history at an instant)."""
    db.execute("DELETE FROM log_changes")
    db.execute(_NUMBER_LOG)


@migrations()
def m005_log_changes(db: sqlite_utils.Database) -> None:
    """The log sequence (SPEC §4): one row per append, new version and tombstone, so a reader
    catches up by sequence number; an existing log is numbered from what it holds."""
    _run(db, _LOG_CHANGES)
    renumber_log(db)


@migrations()
def m006_tool_locks(db: sqlite_utils.Database) -> None:
    """One row per operator tool that must not run twice at once (`rebuild`), naming the
    process that holds it, so a lock left by a killed process can be taken over."""
    db.execute(
        "CREATE TABLE tool_locks (name TEXT PRIMARY KEY, pid INTEGER NOT NULL,"
        " host TEXT NOT NULL, started_at_utc INTEGER NOT NULL)"
    )


@migrations()
def m007_log_changes_by_event(db: sqlite_utils.Database) -> None:
    """An event's changes found by event: what version an event had at a log sequence number
    (`EventStore.live_at`, which a rebuild asks for each change it catches up on) reads a few
    rows instead of the whole sequence."""
    db.execute("CREATE INDEX log_changes_event ON log_changes(event_id, seq)")


@migrations()
def m008_payload_versions(db: sqlite_utils.Database) -> None:
    """The version of each stored payload (SPEC §4), so a payload whose shape changes later is
    read through its upcasters; every payload stored so far is version 1. Adding a column with
    a constant default rewrites no row."""
    for table in ("events", "event_revisions"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN payload_version INTEGER NOT NULL DEFAULT 1")


_BIRD_TIME = """
CREATE TABLE bird_time_hours (
    location_id TEXT NOT NULL,
    hour INTEGER NOT NULL,
    all_dc INTEGER NOT NULL,
    all_dm INTEGER NOT NULL,
    layer_dc INTEGER NOT NULL,
    layer_dm INTEGER NOT NULL,
    PRIMARY KEY (location_id, hour)
) WITHOUT ROWID;
CREATE INDEX bird_time_hours_hour
    ON bird_time_hours(hour, all_dc, all_dm, layer_dc, layer_dm);
CREATE TABLE bird_time_pieces (
    animal_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('all', 'layer')),
    start_utc INTEGER NOT NULL,
    location_id TEXT NOT NULL,
    end_utc INTEGER,
    PRIMARY KEY (animal_id, kind, start_utc)
) WITHOUT ROWID;
INSERT INTO pending_upgrades (name) SELECT 'bird_time' WHERE EXISTS (SELECT 1 FROM events);
"""


@migrations()
def m009_bird_time(db: sqlite_utils.Database) -> None:
    """Bird time by location and UTC hour (`animaltrack.projections.bird_time`), for the daily
    series of SPEC §10.3. A farm that already holds events gets its rows from the upgrade this
    step leaves pending (`animaltrack migrate` computes them from the interval tables)."""
    _run(db, _BIRD_TIME)


_WINDOW_READS = """
CREATE TABLE bird_time_blocks (
    location_id TEXT NOT NULL,
    block INTEGER NOT NULL,
    all_dc INTEGER NOT NULL,
    layer_dc INTEGER NOT NULL,
    PRIMARY KEY (location_id, block)
) WITHOUT ROWID;
INSERT INTO bird_time_blocks (location_id, block, all_dc, layer_dc)
    SELECT location_id, hour / 720, SUM(all_dc), SUM(layer_dc) FROM bird_time_hours
    GROUP BY location_id, hour / 720 HAVING SUM(all_dc) != 0 OR SUM(layer_dc) != 0;
CREATE INDEX bird_time_pieces_start ON bird_time_pieces(start_utc, location_id, kind);
CREATE INDEX bird_time_pieces_end ON bird_time_pieces(end_utc, location_id, kind)
    WHERE end_utc IS NOT NULL;
CREATE INDEX feed_given_by_type ON feed_given(feed_type_code, ts_utc, amount_kg);
"""


@migrations()
def m010_window_reads(db: sqlite_utils.Database) -> None:
    """A dashboard's window read without a scan. Bird time (`animaltrack.projections.
    bird_time`): the count changes summed per location and 30 days, so the birds present at an
    instant add up a few thousand rows instead of every hour before it; and the pieces found by
    when they start and end, so the partial hours at a window's edges read the few pieces that
    change in them. The blocks follow from the hours already stored (a farm whose bird time
    upgrade is still pending gets them from it). Feed given by type and time, so a feed type's
    stock at a past instant (`animaltrack.services.flock.feed_days_left`) and the inventory's
    recompute after every feed given or purchase walk an index instead of the table."""
    _run(db, _WINDOW_READS)


@migrations()
def m011_change_places(db: sqlite_utils.Database) -> None:
    """Each change of the log sequence keeps the locations it is about, as its transaction
    left them (for an edit or a delete, the old version's too), so a subscription served by
    any of the server's processes filters by location without the writer's memory. NULL for
    the changes before it, whose places are read from their events."""
    db.execute("ALTER TABLE log_changes ADD COLUMN places TEXT")


def _run(db: sqlite_utils.Database, script: str) -> None:
    """Run a DDL script statement by statement.

    `executescript()` would COMMIT the transaction sqlite-utils opened for the step, so the
    step and its record would no longer land together.
    """
    without_comments = "\n".join(
        line for line in script.splitlines() if not line.lstrip().startswith("--")
    )
    for statement in _statements(without_comments):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a script into statements; a trigger body's inner `;` does not end its statement."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        in_trigger = "CREATE TRIGGER" in current.upper()
        complete = not in_trigger or current.rstrip(";").rstrip().endswith("END")
        if current.strip() != ";" and complete:
            statements.append(current.strip())
            current = ""
    return statements


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def pending(db: sqlite_utils.Database) -> list[str]:
    """Names of migrations not yet applied (read-only)."""
    return [m.name for m in migrations.pending(db)]


def pending_data_work(db: sqlite_utils.Database) -> list[str]:
    """What `serve` must not start on: pending data migrations (on a database holding events)
    and the upgrades a data migration left pending (read-only)."""
    work = []
    if db["events"].exists() and db.execute("SELECT 1 FROM events LIMIT 1").fetchone():
        work += [name for name in pending(db) if name in DATA_MIGRATIONS]
    if db["pending_upgrades"].exists():
        work += [r[0] for r in db.execute("SELECT name FROM pending_upgrades ORDER BY name")]
    return work
