"""API tokens (SPEC §13, §14): shown once, stored only as a hash, revocable; the CLI commands."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner

from store import connect
from store.tokens import (
    UnknownToken,
    UnknownUser,
    create_token,
    ensure_user,
    list_tokens,
    revoke_token,
    user_for_token,
)
from tools.cli import main


def test_a_token_is_stored_only_as_its_sha256(seeded_db):
    created = create_token(seeded_db, "ines", "barn tablet", now_ms=1_000)
    [row] = seeded_db["api_tokens"].rows
    assert row["token_hash"] == hashlib.sha256(created.token.encode()).hexdigest()
    assert created.token not in str(row)
    assert (row["id"], row["username"], row["name"]) == (created.info.id, "ines", "barn tablet")
    assert len(row["id"]) == 26 and row["revoked_at_utc"] is None
    assert user_for_token(seeded_db, created.token) == ("ines", "recorder")


def test_a_token_for_an_unknown_user_is_refused_and_nothing_is_written(seeded_db, db_path):
    with pytest.raises(UnknownUser):
        create_token(seeded_db, "nobody")
    reopened = connect(db_path)
    try:
        assert reopened["api_tokens"].count == 0
    finally:
        reopened.close()


def test_revoking_stops_the_token_and_keeps_the_row(seeded_db):
    created = create_token(seeded_db, "guest")
    revoked = revoke_token(seeded_db, created.info.id.lower(), now_ms=5_000)
    assert revoked.revoked_at_utc == 5_000
    assert user_for_token(seeded_db, created.token) is None
    assert revoke_token(seeded_db, created.info.id, now_ms=9_000).revoked_at_utc == 5_000
    assert [t.id for t in list_tokens(seeded_db)] == [created.info.id]
    with pytest.raises(UnknownToken):
        revoke_token(seeded_db, "01ARZ3NDEKTSV4RRFFQ69G5FAV")


def test_tokens_of_inactive_users_do_not_authenticate(seeded_db):
    created = create_token(seeded_db, "guest")
    seeded_db.execute("UPDATE users SET active = 0 WHERE username = 'guest'")
    assert user_for_token(seeded_db, created.token) is None


def test_ensure_user_creates_once_and_leaves_an_existing_row_alone(seeded_db):
    assert ensure_user(seeded_db, "dev", "admin") is True
    assert ensure_user(seeded_db, "dev", "viewer") is False
    assert seeded_db["users"].get("dev")["role"] == "admin"


def test_cli_create_list_revoke(seeded_db, db_path):
    runner = CliRunner()
    created = runner.invoke(main, ["--db", str(db_path), "token", "create", "--user", "ines"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert user_for_token(seeded_db, token) == ("ines", "recorder")

    listed = runner.invoke(main, ["--db", str(db_path), "token", "list"])
    assert listed.exit_code == 0
    [info] = list_tokens(seeded_db)
    assert info.id in listed.stdout and token not in listed.stdout
    assert "1 token(s), 1 active" in listed.stdout

    revoked = runner.invoke(main, ["--db", str(db_path), "token", "revoke", info.id])
    assert revoked.exit_code == 0
    assert user_for_token(seeded_db, token) is None


def test_cli_errors_are_one_line_and_exit_1(seeded_db, db_path):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(db_path), "token", "create", "--user", "nobody"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No user named 'nobody'; create or seed the user first"
    result = runner.invoke(main, ["--db", str(db_path), "token", "revoke", "NOPE"])
    assert result.exit_code == 1
    assert "token list" in result.output
