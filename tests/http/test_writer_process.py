"""A mutation handed to the writer process (`resolvers/writer.py`, as `serve --workers N` runs
them) is answered exactly as one run in the worker's own process: successes, the farmer's
mistakes as union members, GraphQL errors with their codes, refusals by role, nonce replays.

Two real servers side by side on two copies of the same farm: one runs its mutations itself,
the other hands them to a real writer process. Ids and times differ between the two farms, so
ULIDs are masked before the answers are compared.
"""

from __future__ import annotations

import contextlib
import json
import re
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import httpx
import pytest

from resolvers.app import create_app
from store import connect
from store.settings import Settings
from store.tokens import create_token, ensure_user
from tests.live_server import make_db, serving, writer_serving

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
PURCHASE = """mutation($input: PurchaseFeedInput!) {
  purchaseFeed(input: $input) { __typename ... on FeedPurchased { event { id type } } } }"""
GIVE = """mutation($input: GiveFeedInput!) {
  giveFeed(input: $input) { __typename ... on ValidationError { message field } } }"""
NAMED = """query Stock { feedTypes { code } }
mutation Buy { purchaseFeed(input: {feedTypeCode: "layer", bagsCount: 2, bagPriceCents: 2400}) {
  __typename } }"""
BAG = {"feedTypeCode": "layer", "bagsCount": 1, "bagPriceCents": 2400}
# (who, query, variables, operation name)
CASES = [
    ("admin", PURCHASE, {"input": BAG}, None),
    ("admin", PURCHASE, {"input": {**BAG, "nonce": "same-bag"}}, None),
    ("admin", PURCHASE, {"input": {**BAG, "nonce": "same-bag"}}, None),  # the replay
    ("admin", PURCHASE, {"input": {**BAG, "nonce": "same-bag", "bagsCount": 3}}, None),
    (
        "admin",
        GIVE,
        {"input": {"locationId": "nowhere", "feedTypeCode": "layer", "amountKg": 1}},
        None,
    ),
    ("admin", PURCHASE, {"input": {**BAG, "bagsCount": "many"}}, None),  # not an Int
    ("admin", PURCHASE, {"input": {**BAG, "bagsCount": -1}}, None),
    ("viewer", PURCHASE, {"input": BAG}, None),
    ("admin", NAMED, None, "Buy"),
]


@pytest.fixture
def writer(tmp_path):
    """A writer process on its own copy of the farm, started as `serve` starts it."""
    db_path = make_db(tmp_path / "forwarded.db")
    log = tmp_path / "writer.log"
    with writer_serving(db_path, log) as address:
        yield db_path, address, log


def tokens(db_path) -> dict[str, str]:
    db = connect(db_path)
    try:
        ensure_user(db, "guest", "viewer")
        return {
            "admin": create_token(db, "ppetru").token,
            "viewer": create_token(db, "guest").token,
        }
    finally:
        db.close()


def answers(server, who_tokens) -> list[tuple[int, object]]:
    out = []
    for who, query, variables, name in CASES:
        response = httpx.post(
            server.graphql_url,
            json={"query": query, "variables": variables, "operationName": name},
            headers=server.bearer(who_tokens[who]),
            timeout=10,
        )
        out.append((response.status_code, ULID.sub("<ULID>", response.text)))
    return out


def test_a_forwarded_mutation_is_answered_as_one_run_in_process(tmp_path, writer):
    far_db, address, log = writer
    near_db = make_db(tmp_path / "near.db")
    far_app = create_app(Settings(db_path=str(far_db)), writer=address)
    with (
        serving(far_app, far_db) as far,
        serving(create_app(Settings(db_path=str(near_db))), near_db) as near,
    ):
        far_answers = answers(far, tokens(far_db))
        near_answers = answers(near, tokens(near_db))
    assert far_answers == near_answers
    assert {status for status, _ in far_answers} == {200}, far_answers
    # And they are what they claim: the replay repeats the first answer's event, the writer's
    # farm holds what it acknowledged, and the refusals are there.
    assert far_answers[1] == far_answers[2]
    texts = [text for _, text in far_answers]
    assert '"FeedPurchased"' in texts[0] and "ValidationError" in texts[4]
    assert "Forbidden" in texts[7] and "BAD_USER_INPUT" in texts[5]
    with contextlib.closing(connect(far_db)) as db:
        purchases = db.execute("SELECT count(*) FROM events WHERE type = 'FeedPurchased'")
        # The first, the nonce's (once) and the named operation's.
        assert purchases.fetchone()[0] == 3
    assert "Traceback" not in log.read_text()


def test_the_writer_answers_a_request_it_cannot_run_and_serves_on(writer):
    """Not one a worker sends; an operator who breaks the protocol gets INTERNAL, logged."""
    _, address, log = writer
    with contextlib.closing(line := Client(address.address, "AF_UNIX", authkey=address.authkey)):
        line.send_bytes(b'{"requestId": "no-query"}')
        [error] = json.loads(line.recv_bytes())["errors"]
        assert error["formatted"]["extensions"]["code"] == "INTERNAL"
        assert "no-query" in error["formatted"]["message"]
        request = {"query": PURCHASE, "variables": {"input": BAG}, "user": ["ppetru", "admin"]}
        line.send_bytes(json.dumps({**request, "requestId": "then-a-bag"}).encode())
        answer = json.loads(line.recv_bytes())
    assert answer["data"]["purchaseFeed"]["__typename"] == "FeedPurchased"
    logged = log.read_text()
    assert "could not run request no-query" in logged and "Traceback" in logged


def test_a_process_without_the_key_is_refused_and_the_writer_serves_on(writer):
    _, address, _ = writer
    with pytest.raises(AuthenticationError):
        Client(address.address, "AF_UNIX", authkey=b"not the key")
    with contextlib.closing(Client(address.address, "AF_UNIX", authkey=address.authkey)) as line:
        line.send_bytes(json.dumps({"query": "mutation { __typename }", "requestId": "r"}).encode())
        assert json.loads(line.recv_bytes())["data"] == {"__typename": "Mutation"}


def test_the_worker_hands_its_mutations_to_the_writer_and_runs_its_queries_itself(tmp_path, writer):
    """The app serves one file and the writer another: where each answer comes from shows
    which process ran it."""
    writer_db, address, _ = writer
    app_db = make_db(tmp_path / "app.db")
    with serving(create_app(Settings(db_path=str(app_db)), writer=address), app_db) as server:
        headers = server.bearer(tokens(app_db)["admin"])

        def post(query, variables=None):
            body = {"query": query, "variables": variables}
            return httpx.post(server.graphql_url, json=body, headers=headers, timeout=10).json()

        bought = [
            post(document, {"input": BAG})["data"]["purchaseFeed"]["event"]["id"]
            # A long document too: its type is found without the cache of short ones.
            for document in (PURCHASE, PURCHASE + "\n# " + "x" * 10_000)
        ]
        seen_by_worker = post("{ events(first: 5) { nodes { id } } }")["data"]["events"]
    with contextlib.closing(connect(writer_db)) as db:
        found = db.execute("SELECT id FROM events WHERE id IN (?, ?)", bought).fetchall()
        assert len(found) == 2
    assert not set(bought) & {node["id"] for node in seen_by_worker["nodes"]}
