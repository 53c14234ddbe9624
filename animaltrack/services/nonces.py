"""Idempotent submission (SPEC §9.4): a retried command with the same nonce writes nothing."""

from __future__ import annotations

import hashlib
import json

from animaltrack.errors import ValidationError

MAX_NONCE_LENGTH = 64


def request_hash(request: dict) -> str:
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_nonce(nonce: str) -> None:
    if not isinstance(nonce, str) or not nonce or len(nonce) > MAX_NONCE_LENGTH:
        raise ValidationError("A nonce is 1 to 64 characters.", field="nonce")


def lookup(db, actor: str, nonce: str, digest: str) -> tuple[str, str] | None:
    """The (kind, ref) of the success this nonce already produced, or None when it is new."""
    check_nonce(nonce)
    row = db.execute(
        "SELECT request_hash, result_kind, result_ref FROM idempotency_nonces"
        " WHERE actor = ? AND nonce = ?",
        (actor, nonce),
    ).fetchone()
    if row is None:
        return None
    if row[0] != digest:
        raise ValidationError(
            "This nonce was already used for a different request; use a new nonce.",
            field="nonce",
        )
    return row[1], row[2]


def remember(db, actor: str, nonce: str, digest: str, kind: str, ref: str, now: int) -> None:
    db.execute(
        "INSERT INTO idempotency_nonces (actor, nonce, request_hash, result_kind, result_ref,"
        " created_at_utc) VALUES (?, ?, ?, ?, ?, ?)",
        (actor, nonce, digest, kind, ref, now),
    )
