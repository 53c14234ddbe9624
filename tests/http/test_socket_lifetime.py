"""A socket lives only as long as its token, and holds at most 20 operations (SPEC §13).

Defect 4 of issue 9: after `animaltrack token revoke`, HTTP said 401 but a socket opened
earlier still received events and ran a `purchaseFeed`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from resolvers.view import MAX_SUBSCRIPTIONS_PER_SOCKET, WS_UNAUTHORIZED
from store import connect
from store.tokens import create_token, revoke_token
from tests.http.test_subscriptions_over_ws import PROTOCOL, SUBSCRIPTION, TIMEOUT_S, receive

CLOSE_BUDGET_S = 1.0


@contextlib.contextmanager
def opened(server, token: str, *, in_handshake: bool) -> Iterator:
    """A socket past `connection_ack`, authenticated in the handshake or in connection_init."""
    headers = server.bearer(token) if in_handshake else None
    with ws_connect(
        server.ws_url, subprotocols=[PROTOCOL], open_timeout=TIMEOUT_S, additional_headers=headers
    ) as ws:
        payload = {} if in_handshake else {"Authorization": f"Bearer {token}"}
        ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert receive(ws) == {"type": "connection_ack"}
        yield ws


@pytest.mark.parametrize("in_handshake", [False, True], ids=["connection_init", "handshake"])
def test_a_revoked_tokens_socket_is_closed_within_a_second(live_server, in_handshake):
    db = connect(live_server.db_path)
    try:
        created = create_token(db, "ines", "revoked while a socket is open")
        with opened(live_server, created.token, in_handshake=in_handshake) as ws:
            ws.send(
                json.dumps({"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
            )
            revoke_token(db, created.info.id)
            revoked_at = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=TIMEOUT_S)
            elapsed = time.monotonic() - revoked_at
    finally:
        db.close()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == WS_UNAUTHORIZED
    assert "revoked" in closed.value.rcvd.reason
    assert elapsed < CLOSE_BUDGET_S


def test_a_socket_holds_at_most_20_subscriptions(live_server):
    with opened(live_server, live_server.token("guest"), in_handshake=False) as ws:
        for n in range(MAX_SUBSCRIPTIONS_PER_SOCKET + 1):
            message = {"id": f"s{n}", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
            ws.send(json.dumps(message))
        refusal = receive(ws)
    assert refusal["id"] == f"s{MAX_SUBSCRIPTIONS_PER_SOCKET}"
    assert refusal["type"] == "error"
    assert refusal["payload"][0]["message"] == "Subscription limit reached"
