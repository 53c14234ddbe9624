"""Bulk loads: build secondary indexes and triggers after the rows, not row by row.

Inserting millions of rows into a table with secondary indexes updates every index at random
places for each row; loading the bare table and creating each index once afterwards sorts each
index in one pass, several times faster (BENCHMARKS.md, the floor of `make bench`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator

import sqlite_utils


@contextlib.contextmanager
def indexes_after(db: sqlite_utils.Database, tables: Iterable[str]) -> Iterator[None]:
    """Drop the secondary indexes and triggers of `tables` (main schema), and create them again
    when the block ends. Primary keys and UNIQUE constraints stay: rows loaded in their order
    cost nothing extra. Run inside a transaction: when the block raises, rolling back restores
    what was dropped."""
    objects = db.execute(
        "SELECT type, name, sql FROM main.sqlite_schema WHERE type IN ('index', 'trigger')"
        " AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?))",
        (json.dumps(list(tables)),),
    ).fetchall()
    for kind, name, _ in objects:
        db.execute(f'DROP {kind.upper()} main."{name}"')
    yield
    for _, _, sql in sorted(objects, key=lambda o: o[0] != "index"):
        db.execute(sql)
