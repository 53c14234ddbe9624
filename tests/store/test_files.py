"""The database, its -wal and -shm, and the files later tools write are readable by their owner
only (SPEC §13 Protection; issue 9: the database file was created 0644)."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from store import connect
from store.files import PRIVATE_MODE, private_file
from tools.cli import main


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask, as a careless service manager might set."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path, open_umask):
    path = tmp_path / "farm.db"
    db = connect(path)
    try:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        files = [path, tmp_path / "farm.db-wal", tmp_path / "farm.db-shm"]
        assert {f.name: mode(f) for f in files} == {f.name: PRIVATE_MODE for f in files}
        # A second connection (a worker's) does not widen anything.
        connect(path).close()
        assert mode(path) == PRIVATE_MODE
    finally:
        db.close()


def test_a_umask_that_takes_the_owners_write_bit_still_gives_a_writable_database(tmp_path):
    previous = os.umask(0o277)
    try:
        db = connect(tmp_path / "farm.db")
        db.execute("CREATE TABLE t (x)")
        db.close()
    finally:
        os.umask(previous)
    assert mode(tmp_path / "farm.db") == PRIVATE_MODE


def test_an_existing_database_keeps_its_mode(tmp_path):
    """The operator chose it (e.g. 0640 for a backup group); connect does not change it."""
    path = tmp_path / "farm.db"
    connect(path).close()
    os.chmod(path, 0o640)
    connect(path).close()
    assert mode(path) == 0o640


def test_private_file_creates_once_and_never_touches_an_existing_file(tmp_path, open_umask):
    path = tmp_path / "export.ndjson"
    assert private_file(path) is True
    assert mode(path) == PRIVATE_MODE and path.read_bytes() == b""
    path.write_text("kept")
    os.chmod(path, 0o644)
    assert private_file(path) is False
    assert path.read_text() == "kept" and mode(path) == 0o644


def test_animaltrack_migrate_creates_a_private_database(tmp_path, open_umask):
    path = tmp_path / "farm.db"
    result = CliRunner().invoke(main, ["--db", str(path), "migrate"])
    assert result.exit_code == 0, result.output
    assert mode(path) == PRIVATE_MODE
