"""Request bodies over 1 MiB are refused with 413 (SPEC §13), and the server keeps serving."""

from __future__ import annotations

import httpx

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
