"""A tool that reads a database refuses a path that does not exist (SPEC §14): a mistyped
`--db` gives one clear line and exit 1, and no file appears there. Only `migrate`, `seed`,
`serve`, `import` and `simulate` create a database."""

from __future__ import annotations

import pytest

from tests.tools.helpers import run

READING_COMMANDS = [
    ["rebuild"],
    ["verify"],
    ["replay", "--until", "0", "--out", "{tmp}/replay.db"],
    ["backup", "--out", "{tmp}/backup.db"],
    ["export", "--out", "{tmp}/farm.ndjson"],
    ["demo-queries"],
    ["token", "create", "--user", "ines"],
    ["token", "list"],
    ["token", "revoke", "01JD8Z4W6C3M5N7P9Q1R2S3T4V"],
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c[:2]).split(" -")[0])
def test_a_reading_command_refuses_a_missing_database(tmp_path, command):
    typo = tmp_path / "typo.db"
    result = run("--db", typo, *(arg.format(tmp=tmp_path) for arg in command))
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [f"Error: There is no database at {typo}."]
    assert sorted(tmp_path.iterdir()) == []  # no database, -wal or -shm, nor an output file


def test_a_file_that_is_not_a_database_is_one_clear_line(tmp_path):
    """A damaged file, or one that is not SQLite at all, is named in one line, not a traceback."""
    text = tmp_path / "notes.db"
    text.write_text("eggs: 12, feed: 3 kg — the notebook, not the database\n" * 4)
    result = run("--db", text, "verify")
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {text} cannot be read as an AnimalTrack database")
