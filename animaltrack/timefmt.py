"""Millisecond timestamps to and from text (ISO 8601, UTC with a `Z`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_iso(ts_utc: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.sssZ`, the form the API writes."""
    moment = datetime.fromtimestamp(ts_utc / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_utc % 1000:03d}Z"


def from_iso(text: str) -> int:
    """Parse ISO 8601 with an explicit offset (or `Z`) into milliseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone offset; add Z or +01:00")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def describe_ts(ts_utc: int) -> str:
    """A short human form for messages: `2026-05-03 14:00 UTC`."""
    return datetime.fromtimestamp(ts_utc / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
