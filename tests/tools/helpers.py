"""What the operator tools' tests share: running the command, tampering with projections."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from animaltrack.projections import default_registry
from animaltrack.verification import _key
from store import connect
from tools.cli import main

EVENTS = 20_000
# The command in a process of its own, as an operator runs it beside the server.
CLI = [sys.executable, "-c", "from tools.cli import main; main()"]


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def tamper(path: Path) -> list[str]:
    """Change one row of every projection table (deleting, adding or altering it) and drift one
    R*Tree span; return the tables touched."""
    db = connect(path)
    try:
        tables = default_registry(db).tables()
        for i, table in enumerate(tables):
            key = _key(db, "main", table)
            row = db.execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)} LIMIT 1").fetchone()
            assert row is not None, f"{table} is empty in the generated history"
            columns = [c.name for c in db[table].columns]
            where = " AND ".join(f"{k} = ?" for k in key)
            params = [row[columns.index(k)] for k in key]
            if i % 2 == 0:
                db.execute(f"DELETE FROM {table} WHERE {where}", params)
            else:  # an altered value in a column that is not part of the key
                column = next(c for c in reversed(columns) if c not in key)
                db.execute(
                    f"UPDATE {table} SET {column} = COALESCE({column}, 0) || 'x' WHERE {where}",
                    params,
                )
        db.execute(
            "UPDATE animal_location_spans SET start_utc = start_utc - 1e10"
            " WHERE id = (SELECT MAX(id) FROM animal_location_spans)"
        )
        return tables
    finally:
        db.close()
