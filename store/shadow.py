"""Shadow tables: a table's replacement built beside it in the same file, swapped in by renaming.

A rebuild cannot replace millions of rows inside one write transaction without making every
writer wait for the copy. Instead it creates an empty twin of each table (`rebuild__<name>`,
same columns and constraints), fills the twins in many short transactions while the server
writes on (`copy_statements`), creates their secondary indexes and triggers (one transaction
each: an index is sorted once, not updated row by row), and then, in one transaction, renames
the live tables aside (`retired__<name>`) and the twins into their place: a handful of schema
changes, whatever the number of rows. The retired tables are dropped afterwards, one short
transaction each.

SQLite renames a table's own automatic indexes with it, and rewrites the triggers that name a
renamed table, but it cannot rename an index or a trigger: a twin's indexes and triggers take
the alternate of the live one's name (`<name>__b`, or back to `<name>`), so a table's indexes
alternate between two names from one rebuild to the next: a migration that drops a projection's
index drops both names.

A crash at any point leaves the live tables whole (before the swap commits) or replaced (after);
the twins and retired tables it leaves behind are dropped by `drop_leftovers`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import sqlite_utils

from store.transactions import transaction

SHADOW = "rebuild__"
RETIRED = "retired__"
_ALTERNATE = "__b"


def shadow_name(table: str) -> str:
    return SHADOW + table


def alternate(name: str) -> str:
    """The other name of an index or trigger (see the module's docstring)."""
    return name[: -len(_ALTERNATE)] if name.endswith(_ALTERNATE) else name + _ALTERNATE


def create_shadows(db: sqlite_utils.Database, tables: Iterable[str]) -> list[str]:
    """Create the empty twin of each table, with its constraints; return the statements that
    create the twins' secondary indexes and then their triggers (triggers that name one of
    `tables` name its twin), to run once the rows are in. Call inside a transaction."""
    tables = list(tables)
    twin = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b")
    objects = db.execute(
        "SELECT type, name, sql FROM main.sqlite_schema"
        " WHERE tbl_name IN (SELECT value FROM json_each(?)) AND sql IS NOT NULL"
        " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name",
        (json.dumps(tables),),
    ).fetchall()
    later = []
    for kind, name, sql in objects:
        if kind in ("index", "trigger"):
            sql = sql.replace(name, alternate(name), 1)
        sql = twin.sub(lambda m: shadow_name(m.group(1)), sql)
        if kind == "table":
            db.execute(sql)
        else:
            later.append(sql)
    return later


def copy_statements(db: sqlite_utils.Database, table: str, into: str) -> tuple[str, str]:
    """A SELECT of every row of `table` and the INSERT that puts such a row into `into`, its
    twin: every column, and the rowid of a rowid table (an R*Tree links rows by rowid)."""
    (sql,) = db.execute("SELECT sql FROM main.sqlite_schema WHERE name = ?", (table,)).fetchone()
    columns = [r[1] for r in db.execute(f'PRAGMA main.table_info("{table}")')]
    definition = sql.upper()
    if not definition.startswith("CREATE VIRTUAL") and "WITHOUT ROWID" not in definition:
        columns = ["rowid", *columns]
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"SELECT {names} FROM main.{table}", f"INSERT INTO {into} ({names}) VALUES ({marks})"


def swap_in(db: sqlite_utils.Database, tables: Iterable[str]) -> None:
    """Put each table's twin in its place and the live table aside. Call inside a transaction."""
    tables = list(tables)
    for table in tables:
        db.execute(f'ALTER TABLE main."{table}" RENAME TO "{RETIRED}{table}"')
    for table in tables:
        db.execute(f'ALTER TABLE main."{shadow_name(table)}" RENAME TO "{table}"')


def drop_leftovers(db: sqlite_utils.Database) -> int:
    """Drop every twin and retired table, one transaction each; return how many."""
    dropped = 0
    while True:
        row = db.execute(
            "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
            f" AND (name GLOB '{SHADOW}*' OR name GLOB '{RETIRED}*')"
            # a virtual table first: dropping it drops the tables it keeps its data in
            " ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC, name LIMIT 1"
        ).fetchone()
        if row is None:
            return dropped
        with transaction(db):
            db.execute(f'DROP TABLE main."{row[0]}"')
        dropped += 1
