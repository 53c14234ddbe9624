"""API tokens and the user lookups that authentication needs (SPEC §13).

A token is shown once, when it is created, and stored only as its sha256: a copy of the database
(a backup, an export) never holds a usable credential. sha256 without a salt is enough here
because tokens are 256 random bits, not passwords a person chose. Revoking keeps the row (who
had access, and until when) and stamps `revoked_at_utc`.

The HTTP layer asks "which active user is this?" through `user_for_token` and `active_role`, so
no SQL lives above the store.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlite_utils
from ulid import ULID

from store.transactions import transaction

TOKEN_PREFIX = "at_"
ROLES = ("admin", "recorder", "viewer")


class UnknownUser(ValueError):
    """No user has that name; the seeded users are ppetru, ines and guest."""


class UnknownToken(ValueError):
    """No API token has that id; `animaltrack token list` shows them."""


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a stored token: everything but the secret."""

    id: str
    username: str
    name: str
    created_at_utc: int
    revoked_at_utc: int | None


@dataclass(frozen=True)
class CreatedToken:
    """A new token; `token` is the plaintext, available only at creation."""

    info: TokenInfo
    token: str


def hash_token(token: str) -> str:
    """The stored form of a token: lowercase hex sha256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now_ms() -> int:
    return int(time.time() * 1000)


def create_token(
    db: sqlite_utils.Database, username: str, name: str = "", now_ms: int | None = None
) -> CreatedToken:
    """Create a token for an existing user; return it with its plaintext (shown once)."""
    now = _now_ms() if now_ms is None else now_ms
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is None:
            raise UnknownUser(f"No user named {username!r}; create or seed the user first")
        info = TokenInfo(
            id=str(ULID.from_timestamp(now / 1000)),
            username=username,
            name=name or f"token for {username}",
            created_at_utc=now,
            revoked_at_utc=None,
        )
        db["api_tokens"].insert(
            {
                "id": info.id,
                "username": info.username,
                "name": info.name,
                "token_hash": hash_token(token),
                "created_at_utc": info.created_at_utc,
                "revoked_at_utc": None,
            }
        )
    return CreatedToken(info=info, token=token)


def list_tokens(db: sqlite_utils.Database) -> list[TokenInfo]:
    """Every token, revoked ones included, oldest first."""
    rows = db.execute(
        "SELECT id, username, name, created_at_utc, revoked_at_utc FROM api_tokens ORDER BY id"
    ).fetchall()
    return [TokenInfo(*row) for row in rows]


def revoke_token(db: sqlite_utils.Database, token_id: str, now_ms: int | None = None) -> TokenInfo:
    """Revoke a token by id (any case); revoking twice keeps the first revocation time."""
    now = _now_ms() if now_ms is None else now_ms
    with transaction(db):
        db.execute(
            "UPDATE api_tokens SET revoked_at_utc = ? WHERE id = ? AND revoked_at_utc IS NULL",
            (now, token_id.upper()),
        )
        row = db.execute(
            "SELECT id, username, name, created_at_utc, revoked_at_utc FROM api_tokens"
            " WHERE id = ?",
            (token_id.upper(),),
        ).fetchone()
    if row is None:
        raise UnknownToken(f"No API token with id {token_id!r}; see `animaltrack token list`")
    return TokenInfo(*row)


def user_for_token(db: sqlite_utils.Database, token: str) -> tuple[str, str] | None:
    """`(username, role)` for an unrevoked token of an active user, else None."""
    row = db.execute(
        "SELECT u.username, u.role FROM api_tokens t JOIN users u ON u.username = t.username"
        " WHERE t.token_hash = ? AND t.revoked_at_utc IS NULL AND u.active = 1",
        (hash_token(token),),
    ).fetchone()
    return None if row is None else (row[0], row[1])


def active_role(db: sqlite_utils.Database, username: str) -> str | None:
    """The role of an active user, or None when the user is unknown or inactive."""
    row = db.execute(
        "SELECT role FROM users WHERE username = ? AND active = 1", (username,)
    ).fetchone()
    return None if row is None else row[0]


def ensure_user(
    db: sqlite_utils.Database, username: str, role: str, now_ms: int | None = None
) -> bool:
    """Create the user if missing (an existing row is left as it is); True if created."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    now = _now_ms() if now_ms is None else now_ms
    with transaction(db):
        if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            return False
        db["users"].insert(
            {
                "username": username,
                "role": role,
                "active": 1,
                "created_at_utc": now,
                "updated_at_utc": now,
            }
        )
    return True
