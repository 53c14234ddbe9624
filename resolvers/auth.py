"""Who is asking: the rules of SPEC §13 that turn a request's credentials into a `User`.

Three sources, tried in this order:

1. `Authorization: Bearer <token>` (on a WebSocket also the `connection_init` payload), looked
   up by hash in `api_tokens`;
2. the username in `settings.auth_header`, but only when the TCP peer is one of
   `settings.trusted_proxies` (addresses or networks) — from anyone else the header is ignored,
   because any client can set it;
3. with `--dev`, a request from the loopback address without credentials is user `dev`.

Credentials that are present but wrong (unknown or revoked token, unknown or inactive user) are
refused with `AuthenticationFailed`, never silently downgraded to "no credentials": a client
with a typo in its token learns so at once. The middleware decides which paths need a user.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlite_utils

from store.tokens import active_role, user_for_token

DEV_USERNAME = "dev"
TOKEN_HINT = (
    "send 'Authorization: Bearer <token>' (in the explorer: the Headers tab); "
    "create a token with `animaltrack token create --user NAME`"
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class User:
    """The authenticated actor of a request; `role` is admin, recorder or viewer."""

    username: str
    role: str


class AuthenticationFailed(Exception):
    """Credentials were presented but name no active user; `message` says what to fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """`ANIMALTRACK_TRUSTED_PROXIES` entries as networks (a bare address is a /32 or /128)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"ANIMALTRACK_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def _peer_ip(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The peer's address, with IPv4-mapped IPv6 (`::ffff:10.0.0.1`) unwrapped; None if not IP."""
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def bearer_token(authorization: str) -> str:
    """The token in an `Authorization` value; anything but a non-empty Bearer is refused."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(f"Malformed Authorization header: {TOKEN_HINT}")
    return token.strip()


class Authenticator:
    """Resolves credentials against the database with the configured trust rules."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        trusted_proxies: Iterable[str] = (),
        auth_header: str = "X-Oidc-Username",
        dev: bool = False,
    ):
        self.db = db
        self.trusted_networks = parse_networks(trusted_proxies)
        self.auth_header = auth_header.lower()
        self.dev = dev

    def authenticate(self, peer_host: str | None, headers: Mapping[str, str]) -> User | None:
        """The user of a request, None without credentials; raises on bad credentials.

        `headers` must be looked up case-insensitively (Starlette's `Headers` is).
        """
        authorization = headers.get("authorization")
        if authorization is not None:
            return self.from_token(bearer_token(authorization))
        peer = _peer_ip(peer_host)
        username = headers.get(self.auth_header)
        if username is not None and self._is_trusted_proxy(peer):
            return self.from_username(username.strip(), source=f"the {self.auth_header} header")
        if self.dev and peer is not None and peer.is_loopback:
            return self.from_username(DEV_USERNAME, source="--dev")
        return None

    def from_connection_params(self, params: Mapping[str, object]) -> User:
        """The user named by a graphql-transport-ws `connection_init` payload."""
        for key, value in params.items():
            if key.lower() == "authorization" and isinstance(value, str):
                return self.from_token(bearer_token(value))
        raise AuthenticationFailed(f"Authentication required: {TOKEN_HINT}")

    def from_token(self, token: str) -> User:
        found = user_for_token(self.db, token)
        if found is None:
            raise AuthenticationFailed(
                "The API token is unknown or revoked, or its user is inactive"
            )
        return User(*found)

    def from_username(self, username: str, *, source: str) -> User:
        role = active_role(self.db, username) if username else None
        if role is None:
            raise AuthenticationFailed(f"No active user {username!r} (from {source})")
        return User(username, role)

    def _is_trusted_proxy(self, peer) -> bool:
        return peer is not None and any(peer in network for network in self.trusted_networks)
