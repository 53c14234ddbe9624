"""`animaltrack serve --workers 2`: two server processes on one socket and a writer process, as
`serve` runs by default. Every change reaches every subscriber, whichever process — or other
program — recorded it, in the log's order. A worker or a writer that dies is replaced; killing
the supervisor stops the others; a kill -9 of them all leaves nothing behind, and a restart
serves.

The server runs in its own process group (`bench.load.server.ServerProcess`); every wait is on
an answer, up to 10 s (SPEC §17).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from animaltrack.events.payloads import FeedPurchasedPayload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.services.feed import FeedService
from bench.load.server import ServerProcess
from resolvers.processes import WORKER_NAME, WRITER_NAME
from store import connect
from tests.live_server import make_db

TIMEOUT_S = 10
LOG_CHANGED = "subscription { logChanged { logSeq kind event { id } } }"
PURCHASE = """mutation($input: PurchaseFeedInput!) {
  purchaseFeed(input: $input) { __typename ... on FeedPurchased { event { id } } } }"""


@pytest.fixture
def served(tmp_path):
    server = ServerProcess(make_db(tmp_path / "farm.db"), tmp_path / "server.log", workers=2)
    server.start()
    # It answers once one worker serves; the other may still be starting.
    deadline = time.monotonic() + TIMEOUT_S
    while len(worker_pids(server)) < 2 or not writer_pids(server):
        assert time.monotonic() < deadline, "the server's processes did not all start"
        time.sleep(0.05)
    yield server
    server.stop()


def post_purchase(server: ServerProcess) -> httpx.Response:
    """Buy a bag over a new connection each time, so the kernel hands them to either process."""
    variables = {"input": {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400}}
    return httpx.post(
        server.url,
        json={"query": PURCHASE, "variables": variables},
        headers={"Authorization": f"Bearer {server.token}", "Connection": "close"},
        timeout=TIMEOUT_S,
    )


def purchase_over_http(server: ServerProcess) -> str:
    answer = post_purchase(server)
    return answer.json()["data"]["purchaseFeed"]["event"]["id"]


def purchase_directly(server: ServerProcess) -> str:
    """Buy a bag through the services on a connection of the test's own: a writer that is not
    a server process at all."""
    db = connect(server.db_path)
    try:
        store = EventStore(db)
        service = FeedService(db, store, default_registry(db))
        payload = FeedPurchasedPayload(feed_type_code="layer", bags_count=1, bag_price_cents=2400)
        return service.purchase_feed(payload, None, "ppetru").id
    finally:
        db.close()


def next_change(ws) -> dict:
    message = json.loads(ws.recv(timeout=TIMEOUT_S))
    assert message["type"] == "next", message
    return message["payload"]["data"]["logChanged"]


def server_pids(server: ServerProcess) -> list[int]:
    """The supervisor and its workers: every process of the server's session."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[3]) == server.process.pid:  # session id
                pids.append(int(entry))
    return pids


def named(server: ServerProcess, name: str) -> list[int]:
    """The live processes of the server named `name` (what `ps` shows)."""
    pids = []
    for pid in server_pids(server):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == name and not zombie(pid):
                pids.append(pid)
    return pids


def worker_pids(server: ServerProcess) -> list[int]:
    return named(server, WORKER_NAME)


def writer_pids(server: ServerProcess) -> list[int]:
    return named(server, WRITER_NAME)


def test_every_change_reaches_the_subscriber_whoever_recorded_it(served):
    with ws_connect(served.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {served.token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=TIMEOUT_S))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LOG_CHANGED}}))
        # The protocol does not acknowledge a subscribe: record until the first change arrives.
        deadline = time.monotonic() + TIMEOUT_S
        first = None
        while first is None:
            assert time.monotonic() < deadline, "the subscription heard nothing"
            purchase_directly(served)
            try:
                first = json.loads(ws.recv(timeout=0.2))
            except TimeoutError:
                continue
        recorded = []
        for _ in range(6):
            recorded.append(purchase_over_http(served))
            recorded.append(purchase_directly(served))
        heard = []
        while len(heard) < len(recorded) or recorded[-1] not in heard:
            heard.append(next_change(ws)["event"]["id"])
        # The ones recorded before the first arrived may come too; from there, every one once,
        # in the order the log numbered them.
        assert heard[-len(recorded) :] == recorded


def test_a_kill_takes_every_process_and_a_restart_serves_again(served):
    pids = server_pids(served)
    assert len(worker_pids(served)) == 2 and len(writer_pids(served)) == 1
    assert served.process.pid in pids
    served.kill()
    wait_gone(pids, "a server process outlived the kill")
    served.start()
    assert purchase_over_http(served)


def wait_gone(pids: list[int], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in pids):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True


def test_a_worker_that_dies_is_replaced_and_the_server_serves_on(served):
    workers = worker_pids(served)
    os.kill(workers[0], signal.SIGKILL)
    wait_gone([workers[0]], "the killed worker stayed")
    deadline = time.monotonic() + TIMEOUT_S
    while len(worker_pids(served)) < 2:
        assert time.monotonic() < deadline, "no worker replaced the dead one"
        time.sleep(0.05)
    assert purchase_over_http(served)


def test_a_writer_that_dies_is_replaced_and_mutations_go_on(served):
    """Killed alone: the mutations it could not answer are answered 503 (the client retries
    with its nonce), never 500, and once the supervisor has started another, they run again."""
    [writer] = writer_pids(served)
    os.kill(writer, signal.SIGKILL)
    wait_gone([writer], "the killed writer stayed")
    deadline = time.monotonic() + TIMEOUT_S * 3
    refusals = []
    while True:
        answer = post_purchase(served)
        if answer.status_code == 200:
            break
        refusals.append((answer.status_code, answer.json()["errors"][0]["extensions"]["code"]))
        assert time.monotonic() < deadline, "no writer replaced the dead one"
        time.sleep(0.1)
    assert answer.json()["data"]["purchaseFeed"]["__typename"] == "FeedPurchased"
    assert set(refusals) <= {(503, "UNAVAILABLE")}
    assert len(writer_pids(served)) == 1 and writer_pids(served) != [writer]


def test_the_workers_stop_when_the_supervisor_is_killed(served):
    """Killed alone, as by an OOM killer: its workers and its writer stop too, none left
    serving the port."""
    workers = worker_pids(served) + writer_pids(served)
    assert len(workers) == 3
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait()
    wait_gone(workers, "a worker outlived its supervisor")
    served.process = None


def test_a_second_server_on_the_same_port_is_refused_in_one_line(served):
    result = subprocess.run(
        [sys.executable, "-m", "tools.cli", "--db", str(served.db_path), "serve"]
        + ["--port", str(served.port)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S * 3,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: Cannot listen on 127.0.0.1:{served.port}: Address already in use."
    )
    assert purchase_over_http(served)  # the first one serves on
