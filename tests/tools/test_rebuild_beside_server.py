"""`rebuild` beside a real server (SPEC §14): four HTTP clients each record feed about five times
a second while the 20 000-event history is rebuilt. No answer is a 5xx; every acknowledged
event is in the log exactly once; no write waits 2 s; outside the swap (the one write
transaction that replaces the rows) writes keep a p99 under 250 ms; verify is clean after."""

from __future__ import annotations

import json
import threading
import time

import httpx

from animaltrack.rebuild import rebuild
from resolvers.app import create_app
from store import connect
from store.settings import Settings
from tests.live_server import serving
from tests.tools.helpers import run

CLIENTS = 4
PERIOD_S = 0.2  # five writes a second each
GIVE = """
  mutation($input: GiveFeedInput!) {
    giveFeed(input: $input) { __typename ... on FeedGiven { event { id } } }
  }
"""


def test_writers_keep_going_while_the_history_is_rebuilt(copy):
    db = connect(copy)
    try:
        strip = db.execute("SELECT id FROM locations WHERE name = 'Strip 1'").fetchone()[0]
    finally:
        db.close()
    with serving(create_app(Settings(db_path=str(copy))), copy) as server:
        stop = threading.Event()
        answers: list[tuple[float, float, int, str | None]] = []  # start, seconds, status, id

        def write(client_no: int) -> None:
            headers = server.bearer(server.token("ines"))
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
                n = 0
                while not stop.is_set():
                    n += 1
                    input = {
                        "locationId": strip,
                        "feedTypeCode": "layer",
                        "amountKg": 1,
                        "nonce": f"client{client_no}-{n}",
                    }
                    started = time.perf_counter()
                    response = http.post(
                        "/graphql", json={"query": GIVE, "variables": {"input": input}}
                    )
                    seconds = time.perf_counter() - started
                    event = None
                    if response.status_code == 200:
                        result = response.json()["data"]["giveFeed"]
                        assert result["__typename"] == "FeedGiven", result
                        event = result["event"]["id"]
                    answers.append((started, seconds, response.status_code, event))
                    time.sleep(max(0.0, PERIOD_S - seconds))

        writers = [threading.Thread(target=write, args=(i,)) for i in range(CLIENTS)]
        for writer in writers:
            writer.start()
        swap: dict[str, float] = {}
        tool = connect(copy)
        try:
            time.sleep(0.5)  # the writers are under way before the rebuild starts
            began = time.perf_counter()
            summary = rebuild(
                tool, copy, before_swap=lambda: swap.setdefault("start", time.perf_counter())
            )
            swap["end"] = time.perf_counter()
            time.sleep(0.5)
        finally:
            stop.set()
            for writer in writers:
                writer.join()
            tool.close()

    assert all(status < 500 for _, _, status, _ in answers), sorted({s for _, _, s, _ in answers})
    acknowledged = [event for *_, event in answers if event]
    assert len(acknowledged) == len(answers) > CLIENTS * 5
    db = connect(copy)
    try:
        stored = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM events"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(acknowledged),),
        ).fetchone()
    finally:
        db.close()
    assert stored == (len(acknowledged), len(set(acknowledged)))
    assert max(seconds for _, seconds, _, _ in answers) < 2.0
    outside = sorted(
        seconds
        for started, seconds, _, _ in answers
        if started + seconds < swap["start"] or started > swap["end"]
    )
    p99 = outside[min(len(outside) - 1, int(len(outside) * 0.99))]
    during = [a for a in answers if began <= a[0] <= swap["end"]]
    print(
        f"{len(answers)} writes, {len(during)} during the rebuild ({swap['end'] - began:.1f} s,"
        f" swap {swap['end'] - swap['start']:.2f} s); p99 outside the swap {p99 * 1000:.0f} ms;"
        f" {summary.caught_up} folded in at the swap"
    )
    assert p99 < 0.25
    assert summary.caught_up > 0  # writes really arrived during the fold
    assert run("--db", copy, "verify").exit_code == 0
