"""Request bodies over 1 MiB are refused with 413, and one not received within 30 s is dropped
with 408 (SPEC §13); the server keeps serving.

The slow bodies go over raw sockets (an HTTP client would send the body at once), against a
server whose time limit is lowered to half a second.
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from resolvers.app import create_app
from resolvers.execution import WORKERS
from resolvers.middleware.body_limit import MAX_BODY_BYTES

TWO_MIB = 2 * 1024 * 1024


def test_a_2_mib_body_is_413_and_the_server_keeps_serving(live_server):
    headers = live_server.bearer(live_server.token("ppetru"))
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * TWO_MIB + b'"}'
    response = httpx.post(
        live_server.graphql_url,
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}

    after = httpx.post(live_server.graphql_url, json={"query": "{ __typename }"}, headers=headers)
    assert after.json() == {"data": {"__typename": "Query"}}


def test_a_streamed_body_without_content_length_is_cut_off_at_the_limit(live_server):
    headers = live_server.bearer(live_server.token("ppetru"))

    def chunks():
        for _ in range(32):  # 32 x 64 KiB = 2 MiB, in chunked transfer encoding
            yield b"x" * 65536

    response = httpx.post(
        live_server.graphql_url,
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert httpx.get(f"{live_server.base_url}/healthz").status_code == 200


def test_a_body_just_under_the_limit_is_read(live_server):
    headers = live_server.bearer(live_server.token("ppetru"))
    query = b'{"query": "{ __typename }"}'
    body = query[:-1] + b', "padding": "' + b"x" * (MAX_BODY_BYTES - len(query) - 20) + b'"}'
    assert len(body) <= MAX_BODY_BYTES
    response = httpx.post(
        live_server.graphql_url,
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.fixture(scope="module")
def impatient_server(http_settings, http_db_path, start_server):
    """A body must arrive within half a second here, so the 30 s limit is tested in a moment."""
    app = create_app(http_settings, body_timeout_s=BODY_TIMEOUT_S)
    return start_server(app, http_db_path)


def trickle(server, token: str) -> socket.socket:
    """A raw connection that sends a POST's headers, then its body one byte at a time."""
    port = urlsplit(server.base_url).port
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(SLOW_BODY)}\r\n\r\n"
    )
    conn.sendall(head.encode())
    return conn


def read_until_closed(conn: socket.socket) -> bytes:
    answer = b""
    while chunk := conn.recv(65536):
        answer += chunk
    return answer


SLOW_BODY = b'{"query": "{ __typename }"}'
BODY_TIMEOUT_S = 0.5
BYTE_EVERY_S = 0.1


def test_a_body_sent_a_byte_at_a_time_is_dropped_with_408(impatient_server):
    conn = trickle(impatient_server, impatient_server.token("ppetru"))
    started = time.monotonic()
    with conn:
        try:
            for byte in SLOW_BODY:  # 27 bytes at 10 a second would take 2.7 s
                conn.sendall(bytes([byte]))
                time.sleep(BYTE_EVERY_S)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed first: what we want
        answer = read_until_closed(conn)
    elapsed = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in head.lower()
    assert json.loads(body)["errors"][0]["extensions"] == {"code": "REQUEST_TIMEOUT"}
    assert elapsed < BODY_TIMEOUT_S + 1.5  # dropped near the limit, not when the body ended


def test_slow_bodies_hold_no_worker_and_others_are_served(impatient_server):
    """More slow bodies than worker threads: a request beside them is answered at once."""
    token = impatient_server.token("ppetru")
    slow = [trickle(impatient_server, token) for _ in range(WORKERS * 2)]
    try:
        for conn in slow:
            conn.sendall(SLOW_BODY[:1])
        started = time.monotonic()
        answer = httpx.post(
            impatient_server.graphql_url,
            json={"query": "{ __typename }"},
            headers=impatient_server.bearer(token),
        )
        assert answer.json() == {"data": {"__typename": "Query"}}
        assert time.monotonic() - started < BODY_TIMEOUT_S
        for conn in slow:
            assert read_until_closed(conn).startswith(b"HTTP/1.1 408 ")
    finally:
        for conn in slow:
            conn.close()


def test_a_body_that_arrives_in_time_in_pieces_is_read(impatient_server):
    conn = trickle(impatient_server, impatient_server.token("ppetru"))
    with conn:
        conn.sendall(SLOW_BODY[:10])
        time.sleep(BYTE_EVERY_S)
        conn.sendall(SLOW_BODY[10:])
        head, _, body = conn.recv(65536).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body) == {"data": {"__typename": "Query"}}
