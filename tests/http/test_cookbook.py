"""The README's cookbook runs: each query of it, over HTTP against a real server on a simulated
farm (120 days, 40 birds), with its variables filled from that farm, answers without errors —
and each of the ten analyst questions answers something, not an empty page."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from animaltrack.timefmt import to_iso
from resolvers.app import create_app
from store import connect
from store.settings import Settings
from tests.live_server import serving

README = Path(__file__).resolve().parents[2] / "README.md"
DAY_MS = 86_400_000


def readme_queries() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """A simulated farm served by uvicorn; yields the server and the variables of the queries."""
    path = tmp_path_factory.mktemp("cookbook") / "farm.db"
    subprocess.run(
        [sys.executable, "-m", "tools.cli", "simulate", "--days", "120", "--flock", "40"]
        + ["--seed", "5", "--start", "2025-06-01", "--out", str(path)],
        check=True,
        capture_output=True,
    )
    db = connect(path)
    try:
        (end,) = db.execute("SELECT MAX(ts_utc) FROM events").fetchone()
        (strip,) = db.execute("SELECT id FROM locations WHERE name = 'Strip 1'").fetchone()
        (duck,) = db.execute(
            "SELECT animal_id FROM event_animals JOIN events ON id = event_id"
            " WHERE type = 'AnimalOutcome' ORDER BY events.ts_utc LIMIT 1"
        ).fetchone()
        (seq,) = db.execute("SELECT MAX(seq) FROM log_changes").fetchone()
    finally:
        db.close()
    last_day = date(2025, 6, 1) + timedelta(days=119)
    variables = {
        "at": to_iso(end),
        "since": to_iso(end - 100 * DAY_MS),
        "strip": strip,
        "duck": duck,
        "id": duck,
        "from": (last_day - timedelta(days=90)).isoformat(),
        "to": last_day.isoformat(),
        "afterSeq": max(0, seq - 2_000),
    }
    with serving(create_app(Settings(db_path=str(path))), path) as server:
        yield server, variables


def _answer(farm, query: str) -> dict:
    server, known = farm
    wanted = set(re.findall(r"\$(\w+)\s*:", query))
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": {k: known[k] for k in wanted}},
        headers=server.bearer(server.token("ppetru")),
        timeout=30,
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.mark.parametrize("query", readme_queries(), ids=lambda q: q.splitlines()[0][:60])
def test_every_cookbook_query_answers_without_errors(farm, query):
    _answer(farm, query)


def test_the_ten_questions_each_answer_something(farm):
    questions = [q for q in readme_queries() if re.match(r"# \d+\. ", q)]
    assert len(questions) == 10
    a = [_answer(farm, query) for query in questions]
    assert a[0]["animals"]["totalCount"] > 0
    assert a[1]["animal"]["timeline"]["totalCount"] > 0
    assert a[2]["flock"]["eggs"] > 0 and a[2]["flock"]["layingRatePct"] is not None
    assert a[3]["flock"]["costPerEggAllEur"] is not None
    assert a[4]["events"]["totalCount"] > 0
    kinds = {change["kind"] for change in a[5]["logChanges"]["changes"]}
    assert kinds & {"EDITED", "DELETED"}, kinds
    assert sum(a[6]["dailySeries"]["eggs"]) > 0 and len(a[6]["dailySeries"]["days"]) == 91
    assert float(a[7]["sales"]["quantity"]) > 0
    assert a[8]["harvestYields"]
    assert a[9]["flock"]["feedStock"]
