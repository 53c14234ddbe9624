"""`rebuild` beside a real server (issue 8, SPEC §14): four HTTP clients each record feed about
five times a second while the history is rebuilt. The rebuild runs in a process of its own, as
an operator runs it beside the server (in one process, its Python fold would share one
interpreter lock with the server's threads); it reports when each phase began.

Used by `make bench` on the benchmark history and by `make test` on the test history, which
assert what the figures must show: no 5xx, every acknowledged write stored once, no write
waiting 2 s, p99 outside the swap under 250 ms.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import httpx

from animaltrack.rebuild import rebuild
from bench.server import admin_token, serving
from store import connect

GIVE = """
  mutation($input: GiveFeedInput!) {
    giveFeed(input: $input) { __typename ... on FeedGiven { event { id } } }
  }
"""


@dataclass
class Answer:
    started: float  # time.monotonic(), comparable across processes
    seconds: float
    status: int
    event_id: str | None


@dataclass
class BesideRun:
    """What the writers saw and what the rebuild reported."""

    answers: list[Answer]
    moments: dict[str, float]  # phase -> when it began; "swap", "end"
    events: int
    caught_up: int
    at_swap: int
    stored: tuple[int, int] = (0, 0)  # acknowledged events found in the log, distinct ones

    @property
    def acknowledged(self) -> list[str]:
        return [a.event_id for a in self.answers if a.event_id]

    @property
    def rebuild_seconds(self) -> float:
        return self.moments["end"] - self.moments["began"]

    @property
    def swap_seconds(self) -> float:
        return self.moments["end"] - self.moments["swap"]

    def max_wait(self) -> float:
        return max(a.seconds for a in self.answers)

    def p99_outside_swap(self) -> float:
        swap, end = self.moments["swap"], self.moments["end"]
        outside = sorted(
            a.seconds for a in self.answers if a.started + a.seconds < swap or a.started > end
        )
        return outside[min(len(outside) - 1, int(len(outside) * 0.99))]

    def figures(self) -> dict:
        return {
            "seconds": round(self.rebuild_seconds, 1),
            "events": self.events,
            "events_per_s": round(self.events / self.rebuild_seconds),
            "writes": len(self.answers),
            "errors_5xx": sum(a.status >= 500 for a in self.answers),
            "acknowledged_missing": len(self.acknowledged) - self.stored[1],
            "max_wait_ms": round(self.max_wait() * 1000),
            "p99_outside_swap_ms": round(self.p99_outside_swap() * 1000),
            "swap_seconds": round(self.swap_seconds, 2),
            "caught_up": self.caught_up,
            "at_swap": self.at_swap,
        }


def rebuild_beside_writers(
    db_path: Path, *, clients: int = 4, period_s: float = 0.2, location: str = "Strip 1"
) -> BesideRun:
    """Serve `db_path`, start the writers, rebuild in a child process, stop the writers."""
    db = connect(db_path)
    try:
        strip = db.execute("SELECT id FROM locations WHERE name = ?", (location,)).fetchone()[0]
    finally:
        db.close()
    token = admin_token(db_path)
    with serving(db_path) as url, feed_writers(url, token, strip, clients, period_s) as answers:
        time.sleep(0.5)  # the writers are under way before the rebuild starts
        report = _rebuild_in_child(db_path)
        time.sleep(0.5)
    run = BesideRun(answers, report["moments"], *report["summary"])
    run.stored = _stored(db_path, run.acknowledged)
    return run


@contextlib.contextmanager
def feed_writers(
    url: str, token: str, strip: str, clients: int = 4, period_s: float = 0.2
) -> Iterator[list[Answer]]:
    """`clients` HTTP clients, each giving feed at `strip` about every `period_s` until the block
    ends; yields the list their answers are appended to as they come."""
    answers: list[Answer] = []
    stop = threading.Event()
    writers = [
        threading.Thread(target=_write, args=(url, token, strip, n, period_s, stop, answers))
        for n in range(clients)
    ]
    for writer in writers:
        writer.start()
    try:
        yield answers
    finally:
        stop.set()
        for writer in writers:
            writer.join()


def _write(url, token, strip, client_no, period_s, stop, answers) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=30) as http:
        n = 0
        while not stop.is_set():
            n += 1
            variables = {
                "input": {
                    "locationId": strip,
                    "feedTypeCode": "layer",
                    "amountKg": 1,
                    "nonce": f"beside-{client_no}-{n}-{time.time_ns()}",
                }
            }
            started = time.monotonic()
            response = http.post(url, json={"query": GIVE, "variables": variables})
            seconds = time.monotonic() - started
            event = None
            if response.status_code == 200:
                result = response.json()["data"]["giveFeed"]
                if result["__typename"] == "FeedGiven":
                    event = result["event"]["id"]
            answers.append(Answer(started, seconds, response.status_code, event))
            time.sleep(max(0.0, period_s - seconds))


def _rebuild_in_child(db_path: Path) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    began = time.monotonic()
    child = context.Process(target=_child, args=(db_path, queue))
    child.start()
    report = None
    while report is None:  # read before join: a child blocks on exit until its queue drains
        try:
            report = queue.get(timeout=1)
        except Empty:
            if not child.is_alive():
                report = {"error": f"the rebuild process ended ({child.exitcode})"}
    child.join()
    if child.exitcode != 0 or "error" in report:
        raise RuntimeError(f"rebuild failed: {report.get('error', child.exitcode)}")
    report["moments"]["began"] = began
    return report


def _child(db_path: Path, queue) -> None:
    moments: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        moments.setdefault(phase, time.monotonic())

    def swap_begins() -> None:
        moments["swap"] = time.monotonic()

    db = connect(db_path)
    try:
        summary = rebuild(db, db_path, progress=progress, before_swap=swap_begins)
        moments["end"] = time.monotonic()
        queue.put(
            {
                "moments": moments,
                "summary": (summary.events, summary.caught_up, summary.at_swap),
            }
        )
    except BaseException as error:
        queue.put({"error": repr(error), "moments": moments})
        raise
    finally:
        db.close()


def _stored(db_path: Path, event_ids: list[str]) -> tuple[int, int]:
    db = connect(db_path)
    try:
        return db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM events"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(event_ids),),
        ).fetchone()
    finally:
        db.close()
