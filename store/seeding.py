"""Load the reference data in `seeds/` (SPEC §3). Idempotent: existing rows are left alone."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sqlite_utils

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
REFERENCE_TABLES = {
    "users": "username",
    "species": "code",
    "products": "code",
    "feed_types": "code",
}


def load_seed(name: str) -> list[dict]:
    return json.loads((SEEDS_DIR / f"{name}.json").read_text())


def seed_reference(db: sqlite_utils.Database, now_ms: int | None = None) -> int:
    """Insert the reference rows that are missing; return how many were added."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    added = 0
    with db.atomic():
        for table, key in REFERENCE_TABLES.items():
            for row in load_seed(table):
                if db.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", (row[key],)).fetchone():
                    continue
                db[table].insert({**row, "created_at_utc": now, "updated_at_utc": now})
                added += 1
    return added
