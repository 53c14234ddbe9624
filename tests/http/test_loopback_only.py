"""`--dev` answers only requests a page on another site cannot make (SPEC §13).

Defect 8 of issue 9: `Host: attacker.example` was accepted over HTTP, so a web page could drive
a farmer's `make serve` through DNS rebinding and write as the admin `dev`.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.http.test_subscriptions_over_ws import PROTOCOL, TIMEOUT_S

ME = {"query": "{ me { username } }"}


def port_of(server) -> int:
    return urlsplit(server.base_url).port


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST"])
def test_a_loopback_host_with_or_without_its_port_is_served(dev_server, host):
    for name in (host, f"{host}:{port_of(dev_server)}"):
        response = httpx.post(dev_server.graphql_url, json=ME, headers={"Host": name})
        assert response.json() == {"data": {"me": {"username": "dev"}}}


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:3366", "127.0.0.2"])
def test_another_host_is_refused_for_every_method(dev_server, host):
    for response in (
        httpx.post(dev_server.graphql_url, json=ME, headers={"Host": host}),
        httpx.get(dev_server.graphql_url, headers={"Host": host}),
    ):
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


def test_a_post_from_another_origin_is_refused_and_a_local_one_served(dev_server):
    port = port_of(dev_server)
    for origin, status in [
        ("https://attacker.example", 403),
        ("null", 403),
        (f"http://localhost:{port}", 200),
        (f"http://127.0.0.1:{port}", 200),
    ]:
        response = httpx.post(dev_server.graphql_url, json=ME, headers={"Origin": origin})
        assert response.status_code == status, origin


def test_a_get_of_the_explorer_ignores_origin(dev_server):
    response = httpx.get(dev_server.graphql_url, headers={"Origin": "https://attacker.example"})
    assert response.status_code == 200


def websocket(server, *, host: str = "127.0.0.1", origin: str | None = None):
    """A graphql-transport-ws handshake naming `host` (the TCP peer is still 127.0.0.1)."""
    sock = socket.create_connection(("127.0.0.1", port_of(server)), timeout=TIMEOUT_S)
    url = f"ws://{host}:{port_of(server)}/graphql"
    return ws_connect(
        url, sock=sock, subprotocols=[PROTOCOL], origin=origin, open_timeout=TIMEOUT_S
    )


def test_a_websocket_from_another_host_or_origin_is_refused(dev_server):
    for kwargs in ({"host": "attacker.example"}, {"origin": "https://attacker.example"}):
        with pytest.raises(InvalidStatus) as refused:
            with websocket(dev_server, **kwargs):
                pass
        assert refused.value.response.status_code == 403


def test_a_websocket_from_a_local_page_is_served(dev_server):
    origin = f"http://localhost:{port_of(dev_server)}"
    with websocket(dev_server, host="localhost", origin=origin) as ws:
        ws.send('{"type": "connection_init"}')
        assert ws.recv(timeout=TIMEOUT_S) == '{"type":"connection_ack"}'


def test_without_dev_host_and_origin_are_left_to_the_token(live_server):
    headers = {**live_server.bearer(live_server.token("guest")), "Host": "farm.example"}
    response = httpx.post(live_server.graphql_url, json=ME, headers=headers)
    assert response.json() == {"data": {"me": {"username": "guest"}}}


def test_a_websocket_refused_at_the_handshake_logs_no_error(dev_server, live_server, caplog):
    with caplog.at_level(logging.INFO):
        with pytest.raises(InvalidStatus):
            with websocket(dev_server, host="attacker.example"):
                pass
        with pytest.raises(InvalidStatus):
            with ws_connect(
                live_server.ws_url,
                subprotocols=[PROTOCOL],
                additional_headers={"Authorization": "Bearer at_wrong"},
                open_timeout=TIMEOUT_S,
            ):
                pass
        httpx.get(f"{live_server.base_url}/healthz")  # the server has moved on
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
