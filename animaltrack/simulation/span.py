"""When a simulated history starts: its days are calendar days in the farm's time zone, and it
ends before the real now (SPEC §14), so no event is dated in the future of the clock that later
records into the same database (the API refuses a `ts_utc` ahead of it)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def default_start(days: int, today: date) -> date:
    """The first day when none is given: the history ends the day before yesterday."""
    return today - timedelta(days=days + 1)


def start_ts(start: date, days: int, timezone: str, today: date) -> int:
    """Midnight of `start` in `timezone`, in ms; `ValueError` (one line) when `days` days from
    `start` reach today."""
    if days < 1:
        raise ValueError("simulate needs at least one day (--days 1 or more).")
    last = start + timedelta(days=days - 1)
    if last >= today:
        raise ValueError(
            f"A history of {days:,} days from {start.isoformat()} would end on"
            f" {last.isoformat()}, not before today ({today.isoformat()}); give an earlier"
            " --start or fewer --days."
        )
    midnight = datetime.combine(start, time(), tzinfo=ZoneInfo(timezone))
    return int(midnight.timestamp() * 1000)
