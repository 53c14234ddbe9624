"""Writers of the server's processes take turns on `<database>-lock` (`store/transactions.py`):
one waits while another process's transaction is open and goes ahead once it ends — committed,
or killed with -9 in the middle, when the kernel drops the dead holder's lock and SQLite's
rolls its write back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from store import connect, transaction
from store.transactions import take_turns_across_processes
from tests.live_server import make_db

# A second process: take a turn, write, say so, hold the transaction open, then commit.
HOLDER = """
import sys, time
from store import connect, transaction
from store.transactions import take_turns_across_processes
db = connect(sys.argv[1])
take_turns_across_processes(db)
with transaction(db):
    db.execute("INSERT INTO turns (who) VALUES ('holder')")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
print(time.monotonic(), flush=True)
"""


def hold(db_path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def write_in_turn(db_path: Path) -> float:
    """Write in a transaction of this process's own turn; when it got in."""
    db = connect(db_path)
    try:
        take_turns_across_processes(db)
        with transaction(db):
            got_in = time.monotonic()
            db.execute("INSERT INTO turns (who) VALUES ('writer')")
        return got_in
    finally:
        db.close()


def farm(tmp_path: Path) -> Path:
    """A farm's database with a table for the writers to sign."""
    db_path = make_db(tmp_path / "farm.db")
    db = connect(db_path)
    try:
        db.execute("CREATE TABLE turns (who TEXT NOT NULL)")
    finally:
        db.close()
    return db_path


def signed(db_path: Path) -> list[str]:
    db = connect(db_path)
    try:
        return [r[0] for r in db.execute("SELECT who FROM turns ORDER BY rowid")]
    finally:
        db.close()


def test_a_writer_waits_for_the_other_processes_turn_and_goes_right_after(tmp_path):
    db_path = farm(tmp_path)
    holder = hold(db_path, 0.25)
    started = time.monotonic()
    got_in = write_in_turn(db_path)
    released = float(holder.stdout.readline())
    holder.wait(timeout=10)
    holder.stdout.close()
    assert got_in - started > 0.15  # it waited for the holder…
    # …and went as soon as it was done, not at SQLite's next retry (78 ms later after 0.25 s).
    assert got_in >= released and got_in - released < 0.05
    assert signed(db_path) == ["holder", "writer"]
    assert oct(os.stat(f"{db_path}-lock").st_mode & 0o777) == "0o600"


def test_a_holder_killed_mid_transaction_lets_the_next_writer_in(tmp_path):
    db_path = farm(tmp_path)
    holder = hold(db_path, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    started = time.monotonic()
    write_in_turn(db_path)
    assert time.monotonic() - started < 1
    assert signed(db_path) == ["writer"]  # the killed one's write was rolled back
    holder.stdout.close()
