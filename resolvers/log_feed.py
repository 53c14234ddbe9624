"""The log's changes as they commit, for this process's subscriptions (SPEC §13).

The server may run as several processes (`animaltrack serve --workers`), and a change may be
recorded by any of them, so a subscription does not wait on the process that wrote: it follows
the log sequence itself. One `LogFeed` per database connection — the app's own, on the event
loop — reads the newest sequence number every `POLL_S` while anyone listens (an indexed
`MAX(seq)`, a few microseconds) and hands each change after the last one it read, oldest first,
to every listener that subscribed before it committed. A change rolled back never reaches the
log, so it reaches no one; the places a change is about were noted in its transaction
(`animaltrack.services.changes`).

A listener subscribes with the newest sequence number at that moment and receives only what
commits after it, whatever the feed has not read yet.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator

from animaltrack.events.store import EventStore
from animaltrack.queries.log import Published, published_after

# How often a feed with listeners looks for new changes: a dashboard hears of a change within
# this of its commit, and an idle feed costs 50 indexed reads a second.
POLL_S = 0.02
# Changes read at once, so a burst (an operator's tool, a long outage) arrives in steps.
BATCH = 500

log = logging.getLogger("animaltrack.subscriptions")


class LogFeed:
    """The changes committed to the database of `db`, handed to this process's listeners."""

    def __init__(self, db) -> None:
        self.db = db
        self._listeners: dict[asyncio.Queue[Published], int] = {}  # queue → subscribed after
        self._read_up_to = 0
        self._following: asyncio.Task | None = None

    @property
    def listening(self) -> int:
        """How many subscriptions listen now."""
        return len(self._listeners)

    async def changes(self) -> AsyncIterator[Published]:
        """Each change committed from now on, oldest first, until closed."""
        queue: asyncio.Queue[Published] = asyncio.Queue()
        since = EventStore(self.db).last_seq()
        if not self._listeners:
            self._read_up_to = since
        self._listeners[queue] = since
        if self._following is None or self._following.done():
            self._following = asyncio.get_running_loop().create_task(self._follow())
        try:
            while True:
                yield await queue.get()
        finally:
            del self._listeners[queue]

    async def _follow(self) -> None:
        while self._listeners:
            await asyncio.sleep(POLL_S)
            try:
                self._hand_out()
            except sqlite3.Error:  # a checkpoint or a closing file: look again next time
                log.warning("could not read the log's changes; trying again", exc_info=True)

    def _hand_out(self) -> None:
        while EventStore(self.db).last_seq() > self._read_up_to:
            for published in published_after(self.db, self._read_up_to, BATCH):
                for queue, since in list(self._listeners.items()):
                    if published.change.seq > since:
                        queue.put_nowait(published)
                self._read_up_to = published.change.seq


def feed_for(db) -> LogFeed:
    """The one feed of the connection `db` (the app's, or a test's)."""
    feed = getattr(db, "_animaltrack_log_feed", None)
    if feed is None:
        feed = db._animaltrack_log_feed = LogFeed(db)
    return feed
