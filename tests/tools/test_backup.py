"""`animaltrack backup --out FILE` (SPEC §14): a consistent copy while the server writes, a new
file only, readable by its owner; and the README's restore story, run step by step."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from animaltrack.events.payloads import FeedPurchasedPayload
from bench.beside import feed_writers
from bench.server import admin_token, serving
from store import connect
from tests.farm import DAY, T0, Farm
from tests.tools.helpers import CLI, run


def _folder(tmp_path: Path) -> Path:
    """A folder of its own for the backup (the `copy` fixture's database is in `tmp_path`)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def _event_ids(path: Path) -> set[str]:
    db = connect(path)
    try:
        return {row[0] for row in db.execute("SELECT id FROM events")}
    finally:
        db.close()


def _integrity(path: Path) -> list[str]:
    db = connect(path)
    try:
        return [row[0] for row in db.execute("PRAGMA integrity_check")]
    finally:
        db.close()


def test_a_backup_beside_four_writers_holds_every_write_acknowledged_before_it(copy, tmp_path):
    """Four HTTP clients give feed about five times a second each; the backup runs in a process
    of its own, as an operator runs it. Every event acknowledged before the backup began is in
    the copy, which opens, passes integrity_check and verify."""
    out = _folder(tmp_path) / "backup.db"
    db = connect(copy)
    try:
        strip = db.execute("SELECT id FROM locations WHERE name = 'Strip 1'").fetchone()[0]
    finally:
        db.close()
    token = admin_token(copy)
    with serving(copy) as url, feed_writers(url, token, strip) as answers:
        deadline = time.monotonic() + 10
        while sum(a.event_id is not None for a in answers) < 20:  # the writers are under way
            assert time.monotonic() < deadline, answers
            time.sleep(0.05)
        began = time.monotonic()
        before = [a.event_id for a in list(answers) if a.event_id and a.started + a.seconds < began]
        backup = subprocess.run(
            [*CLI, "--db", str(copy), "backup", "--out", str(out)], capture_output=True, text=True
        )
        ended = time.monotonic()
        time.sleep(0.3)  # and they keep going after it
    print(backup.stdout, backup.stderr, f"{len(before)} acknowledged before, {len(answers)} in all")
    assert backup.returncode == 0
    assert backup.stdout.splitlines()[-1].startswith("backup: ")
    assert all(a.status < 500 for a in answers)
    during = [a for a in answers if a.event_id and began < a.started + a.seconds < ended]
    assert during, "the server kept acknowledging writes while the backup ran"

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(out.parent.iterdir()) == [out]  # no partial file left beside it
    assert set(before) <= _event_ids(out)
    db = connect(out)  # a standalone file: store.connect opens it, in WAL mode as every database
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    assert _integrity(out) == ["ok"]
    result = run("--db", out, "verify")
    assert result.exit_code == 0, result.output


def test_backup_refuses_an_existing_file_and_leaves_it_untouched(copy, tmp_path):
    out = _folder(tmp_path) / "backup.db"
    out.write_bytes(b"an earlier backup")
    out.chmod(0o640)
    result = run("--db", copy, "backup", "--out", out)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: {out} already exists; choose a new file."]
    assert out.read_bytes() == b"an earlier backup"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert list(out.parent.iterdir()) == [out]


def test_a_backup_is_readable_by_its_owner_only_whatever_the_umask(copy, tmp_path):
    out = _folder(tmp_path) / "backup.db"
    previous = os.umask(0o002)
    try:
        result = run("--db", copy, "backup", "--out", out)
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert f"written to {out}" in result.output.splitlines()[-1]


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A 200 MiB database, so that a signal lands while the copy runs (about half a second)."""
    path = tmp_path_factory.mktemp("large") / "large.db"
    db = connect(path)
    try:
        db.execute("CREATE TABLE blobs (data BLOB)")
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)"
            " INSERT INTO blobs SELECT randomblob(4000) FROM n"
        )
    finally:
        db.close()
    return path


def _interrupt_backup(source: Path, out: Path, signum: int) -> subprocess.CompletedProcess:
    """Start a backup, send `signum` once its partial file holds 1 MiB, let it end."""
    process = subprocess.Popen(
        [*CLI, "--db", str(source), "backup", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # a shell's background job may ignore SIGINT; Ctrl-C is what this stands for
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    partial = out.with_name(f"{out.name}.partial-{process.pid}")
    deadline = time.monotonic() + 20
    while not (partial.exists() and partial.stat().st_size > 1 << 20):
        assert process.poll() is None and time.monotonic() < deadline, "the copy ended first"
        time.sleep(0.005)
    process.send_signal(signum)
    output, _ = process.communicate(timeout=20)
    return subprocess.CompletedProcess(process.args, process.returncode, output)


def test_ctrl_c_leaves_nothing_and_kill_9_leaves_only_a_partial_file_the_next_run_clears(
    large, tmp_path
):
    out = tmp_path / "backup.db"
    stopped = _interrupt_backup(large, out, signal.SIGINT)
    assert stopped.returncode == 1 and "Aborted!" in stopped.stdout, stopped.stdout
    assert list(tmp_path.iterdir()) == []

    killed = _interrupt_backup(large, out, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    left = sorted(p.name for p in tmp_path.iterdir())  # the partial file, maybe its -journal
    assert left and all(name.startswith("backup.db.partial-") for name in left), left

    result = run("--db", large, "backup", "--out", out)  # the next run clears the leftovers
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == [out]


LATER_WRITES = """
import json, os, sys
from animaltrack.events.payloads import FeedPurchasedPayload
from tests.farm import DAY, T0, Farm

farm = Farm(sys.argv[1])
farm.db.execute("PRAGMA wal_autocheckpoint=0")  # the later writes stay in the -wal
payload = FeedPurchasedPayload(feed_type_code="layer", bags_count=2, bag_price_cents=1500)
ids = [farm.feed.purchase_feed(payload, T0 + (10 + i) * DAY, "ppetru").id for i in range(20)]
print(json.dumps(ids), flush=True)
os._exit(0)  # stopped hard, connection open: nothing checkpoints the -wal into the file
"""


def _state_of_a_copy(path: Path, view: Path) -> dict[str, list[tuple]]:
    """Every table of the database at `path`, read from a copy (the backup stays untouched)."""
    shutil.copyfile(path, view)
    farm = Farm(view)
    try:
        return farm.committed_state()
    finally:
        farm.close()


def test_restoring_a_backup_as_the_readme_says(tmp_path):
    """A farm is backed up, then records more, which sit in its -wal when the server stops hard
    (a clean stop would checkpoint them into the file and remove the -wal). The README's steps
    give back exactly the backup's farm, verify clean."""
    path = tmp_path / "farm.db"
    farm = Farm(path)
    payload = FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=1000)
    for day in range(3):
        farm.feed.purchase_feed(payload, T0 + day * DAY, "ppetru")
    farm.close()
    backup = tmp_path / "backup.db"
    assert run("--db", path, "backup", "--out", backup).exit_code == 0
    backed_up = _state_of_a_copy(backup, tmp_path / "view.db")

    later = subprocess.run(
        [sys.executable, "-c", LATER_WRITES, str(path)], capture_output=True, text=True
    )
    assert later.returncode == 0, later.stderr
    later_ids = json.loads(later.stdout)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    assert wal.stat().st_size > 0

    # Why step 2 matters: the same files with the backup copied in but the -wal kept. SQLite
    # lays the -wal's pages (of the old file) over the backup's, which has other pages.
    stale = tmp_path / "stale"
    stale.mkdir()
    for suffix in ("-wal", "-shm"):
        shutil.copy(f"{path}{suffix}", f"{stale / 'farm.db'}{suffix}")
    shutil.copyfile(backup, stale / "farm.db")
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):
        _integrity(stale / "farm.db")

    # The README's steps. 1. The server is stopped (above). 2. Remove -wal and -shm.
    wal.unlink()
    shm.unlink(missing_ok=True)
    shutil.copyfile(backup, path)  # 3. Copy the backup in place.
    verified = run("--db", path, "verify")  # 4. Verify.
    assert verified.exit_code == 0, verified.output
    assert "verify: clean" in verified.output
    farm = Farm(path)  # 5. Start: the farm is the backup's, the later writes are gone.
    try:
        assert farm.committed_state() == backed_up
        assert not set(later_ids) & _event_ids(path)
    finally:
        farm.close()
