"""A 30 s schemathesis run in GraphQL mode against a real server (SPEC §13, §17; issue 9).

schemathesis (its CLI, in a subprocess) generates queries and mutations from the served schema,
with the strategies of `fuzz_hooks.py` for our scalars, as the admin, on a farm with a few
animals and events to aim at. The server hands its mutations to a writer process, as `serve`
does by default. It must find no HTTP 500; every message it is answered (errors and union
members) is scanned for Python, Pydantic and SQLite text, by the hook while it runs and here
again over the whole record; and neither the server's log nor the writer's may hold a traceback
or an ERROR line.

`ANIMALTRACK_FUZZ_CASES=10000` makes it the long run for `make load`: that many cases or more
(spread over the operations) and no time limit.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis

from resolvers.app import create_app
from store.settings import Settings
from tests.graphql.graphql_driver import HttpGraphQLDriver
from tests.internal_text import shows_internal_text
from tests.live_server import serving, writer_serving

SMOKE_SECONDS = 22  # schemathesis' own budget; its start, the set-up and the checks fit in 30 s
LONG_RUN_CASES = int(os.environ.get("ANIMALTRACK_FUZZ_CASES", "0"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


# schemathesis first probes whether the server takes a NUL byte in a header; uvicorn answers
# 400 and warns, as it should. That is the HTTP parser refusing bytes, not a fault of ours.
PROBE_REFUSED = ("uvicorn.error", "Invalid HTTP request received.")


class Recorder(logging.Handler):
    """Keeps every record the server logs at WARNING or above, or with a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if (record.name, record.getMessage()) == PROBE_REFUSED:
            return
        if record.levelno >= logging.WARNING or record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def fuzz_db(fresh_db) -> Path:
    return fresh_db("fuzz")


@pytest.fixture(scope="module")
def writer_log(fuzz_db) -> Path:
    return fuzz_db.parent / "writer.log"


@pytest.fixture(scope="module")
def fuzz_server(fuzz_db, writer_log):
    """Served as `serve` serves by default: the mutations go to a writer process."""
    with writer_serving(fuzz_db, writer_log) as writer:
        with serving(create_app(Settings(db_path=str(fuzz_db)), writer=writer), fuzz_db) as server:
            yield server


def targets(server) -> list[str]:
    """Ids worth aiming at: locations, a few ducks, and events of several kinds."""
    with HttpGraphQLDriver(server, "ppetru") as admin:
        ids = [loc["id"] for loc in admin.data("{ locations { id } }")["locations"]]
        strip = ids[0]
        ids += admin.cohort("Strip 1", 3)
        admin.mutate("collectProduct", {"productCode": "egg", "quantity": "6", "locationId": strip})
        admin.mutate(
            "purchaseFeed", {"feedTypeCode": "layer", "bagsCount": 2, "bagPriceCents": 2400}
        )
        admin.mutate("giveFeed", {"feedTypeCode": "layer", "amountKg": 3, "locationId": strip})
        events = admin.data("{ events(first: 20) { nodes { id } } }")["events"]["nodes"]
    return ids + [e["id"] for e in events]


def test_schemathesis_finds_no_500_and_no_internal_text(fuzz_server, writer_log, tmp_path):
    messages_file = tmp_path / "messages.jsonl"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.http.fuzz_hooks",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "ANIMALTRACK_FUZZ_MESSAGES": str(messages_file),
        "ANIMALTRACK_FUZZ_IDS": ",".join(targets(fuzz_server)),
    }
    token = fuzz_server.token("ppetru", "fuzz")
    url, bearer = fuzz_server.graphql_url, fuzz_server.bearer(token)
    command = [
        str(SCHEMATHESIS),
        "run",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "no_server_error,no_internal_text",
        "--phases",
        "examples,fuzzing",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
    ]
    if LONG_RUN_CASES:  # fresh random cases; simple operations run out early, hence the margin
        operations = len(
            list(schemathesis.graphql.from_url(url, headers=bearer).get_all_operations())
        )
        per_operation = math.ceil(LONG_RUN_CASES * 1.5 / operations)
        command += ["--max-examples", str(per_operation), "--request-timeout", "30"]
    else:  # repeatable, and bounded in time for `make test`
        command += ["--max-time", str(SMOKE_SECONDS), "--seed", "9"]

    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    finally:
        root.removeHandler(recorder)

    report = run.stdout + run.stderr
    cases = re.search(r"Test cases:\s*([\d,]+) generated", report)
    lines = messages_file.read_text().splitlines() if messages_file.exists() else []
    messages = [json.loads(line) for line in lines]
    print(
        f"schemathesis: {cases.group(1) if cases else '?'} cases generated;"
        f" {len(messages)} messages scanned ({len(set(messages))} distinct)"
    )
    assert run.returncode == 0, report[-6000:]
    assert cases is not None, report[-3000:]
    assert int(cases.group(1).replace(",", "")) >= LONG_RUN_CASES
    assert [m for m in messages if shows_internal_text(m)] == []
    logged = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in recorder.records]
    assert logged == [], logged[:5]
    written = writer_log.read_text()
    assert "Traceback" not in written and "ERROR" not in written, written[-3000:]
