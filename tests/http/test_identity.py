"""The authenticated user reaches the resolvers: `me` answers with whoever the request proved
to be — by token, trusted proxy header, `--dev`, or a WebSocket's `connection_init` payload."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect as ws_connect

ME = {"query": "{ me { username role } }"}


def me(server, headers=None) -> dict:
    response = httpx.post(server.graphql_url, json=ME, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["data"]["me"]


def test_me_by_bearer_token(live_server):
    headers = live_server.bearer(live_server.token("ines"))
    assert me(live_server, headers) == {"username": "ines", "role": "RECORDER"}


def test_me_by_trusted_proxy_header(proxy_server):
    assert me(proxy_server, {"X-Oidc-Username": "guest"}) == {"username": "guest", "role": "VIEWER"}


def test_me_on_the_dev_server(dev_server):
    assert me(dev_server) == {"username": "dev", "role": "ADMIN"}


def test_me_over_a_websocket_authenticated_in_connection_init(live_server):
    token = live_server.token("ppetru")
    with ws_connect(live_server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        ws.send(json.dumps({"id": "me", "type": "subscribe", "payload": ME}))
        assert json.loads(ws.recv(timeout=10))["payload"] == {
            "data": {"me": {"username": "ppetru", "role": "ADMIN"}}
        }


def test_a_viewer_token_can_read_but_not_record(live_server):
    headers = live_server.bearer(live_server.token("guest"))
    mutation = 'mutation { createLocation(input: {name: "Nope"}) { __typename } }'
    response = httpx.post(live_server.graphql_url, json={"query": mutation}, headers=headers)
    assert response.json() == {"data": {"createLocation": {"__typename": "Forbidden"}}}
