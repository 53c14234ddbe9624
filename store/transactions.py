"""The one transaction helper.

`with transaction(db):` opens a `BEGIN IMMEDIATE` transaction, so the write lock is taken before
the command reads anything it will check (SPEC §9.2: nothing can change between the check and the
append). Any exception rolls everything back. Nested use joins the outer transaction through a
SAVEPOINT, so a helper that needs atomicity can be called both alone and from inside a command.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import sqlite_utils

_savepoint_names = (f"at_sp_{n}" for n in itertools.count())


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block in one write transaction (or a savepoint of the one already open)."""
    if db.conn.in_transaction:
        name = next(_savepoint_names)
        db.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.execute(f"ROLLBACK TO SAVEPOINT {name}")
                db.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            db.execute(f"RELEASE SAVEPOINT {name}")
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        try:
            db.commit()
        except BaseException:
            db.rollback()
            raise
