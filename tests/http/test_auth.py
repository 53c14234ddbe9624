"""Authentication (SPEC §13): bearer tokens, trusted reverse proxies, --dev, WebSockets."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

TYPENAME = {"query": "{ __typename }"}
PROTOCOL = "graphql-transport-ws"


def post(server, headers=None, body=TYPENAME) -> httpx.Response:
    return httpx.post(server.graphql_url, json=body, headers=headers or {})


def test_post_without_credentials_is_401_with_a_graphql_shaped_error(live_server):
    response = post(live_server)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize("username", ["ppetru", "ines", "guest"])
def test_a_bearer_token_of_any_role_authenticates(live_server, username):
    response = post(live_server, live_server.bearer(live_server.token(username)))
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_revoked_token_is_401(live_server):
    response = post(live_server, live_server.bearer(live_server.revoked_token("ines")))
    assert response.status_code == 401
    assert "revoked" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "authorization", ["Bearer at_not-a-real-token", "Basic aW5lczp4", "Bearer"]
)
def test_wrong_or_malformed_credentials_are_401(live_server, authorization):
    assert post(live_server, {"Authorization": authorization}).status_code == 401


def test_a_proxy_header_from_an_untrusted_peer_is_ignored(live_server):
    assert post(live_server, {"X-Oidc-Username": "ppetru"}).status_code == 401


def test_a_proxy_header_from_a_trusted_peer_names_the_user(proxy_server):
    assert post(proxy_server, {"X-Oidc-Username": "ines"}).status_code == 200


def test_a_trusted_proxy_naming_an_unknown_user_is_401(proxy_server):
    response = post(proxy_server, {"X-Oidc-Username": "mallory"})
    assert response.status_code == 401
    assert "mallory" in response.json()["errors"][0]["message"]


def test_behind_a_trusted_proxy_requests_without_the_header_still_need_credentials(proxy_server):
    assert post(proxy_server).status_code == 401
    assert post(proxy_server, proxy_server.bearer(proxy_server.token("guest"))).status_code == 200


def test_dev_server_treats_local_requests_without_credentials_as_dev(dev_server):
    assert dev_server.app.state.db.execute(
        "SELECT role, active FROM users WHERE username = 'dev'"
    ).fetchone() == ("admin", 1)
    assert post(dev_server).status_code == 200


def test_dev_server_still_refuses_a_bad_token(dev_server):
    assert post(dev_server, {"Authorization": "Bearer at_wrong"}).status_code == 401


def _init(ws, payload=None) -> dict:
    ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return json.loads(ws.recv(timeout=10))


def test_websocket_without_credentials_is_closed_with_4401(live_server):
    with ws_connect(live_server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            _init(ws)
    assert closed.value.rcvd.code == 4401


def test_websocket_with_a_bad_token_header_is_refused_at_the_handshake(live_server):
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(
            live_server.ws_url,
            subprotocols=[PROTOCOL],
            additional_headers={"Authorization": "Bearer at_wrong"},
            open_timeout=10,
        )
    assert refused.value.response.status_code == 401


def test_websocket_token_in_the_connection_init_payload_is_accepted(live_server):
    token = live_server.token("guest")
    with ws_connect(live_server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        assert _init(ws, {"Authorization": f"Bearer {token}"}) == {"type": "connection_ack"}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": TYPENAME}))
        assert json.loads(ws.recv(timeout=10)) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"__typename": "Query"}},
        }


def test_websocket_token_in_the_handshake_header_is_accepted(live_server):
    headers = live_server.bearer(live_server.token("ines"))
    with ws_connect(
        live_server.ws_url, subprotocols=[PROTOCOL], additional_headers=headers, open_timeout=10
    ) as ws:
        assert _init(ws) == {"type": "connection_ack"}


def test_websocket_with_a_revoked_token_in_connection_init_is_closed_with_4401(live_server):
    token = live_server.revoked_token("guest")
    with ws_connect(live_server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            _init(ws, {"Authorization": f"Bearer {token}"})
    assert closed.value.rcvd.code == 4401


def test_dev_server_accepts_a_local_websocket_without_credentials(dev_server):
    with ws_connect(dev_server.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        assert _init(ws) == {"type": "connection_ack"}
