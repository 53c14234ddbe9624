"""The load's HTTP client: keep-alive HTTP/1.1 connections, framed by h11, one request at a time
each.

The clients share the machine with the server they measure: on two cores, every millisecond of
CPU the client process spends is taken from the server. httpx cost 2.1–2.6 ms of client CPU per
operation under the mix (its request and response models, URL parsing, anyio's streams,
httpcore's pool); h11 — the HTTP/1.1 state machine httpx itself uses — over asyncio's streams
does the same framing for a fraction of it. Only what the load sends is spoken: a POST with a
JSON body, answered with a body of known length or chunks.
"""

from __future__ import annotations

import asyncio
import json as _json
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import h11

READ_BYTES = 65536
TIMEOUT_S = 30


class Answer(NamedTuple):
    status_code: int
    body: bytes

    def json(self) -> Any:
        return _json.loads(self.body)


class RequestFailed(Exception):
    """No answer: the connection was refused, reset or closed (a killed server), or the answer
    did not come in time. The message names what happened, as the load reports it."""


class Connection:
    """One keep-alive connection to `base_url`, opened on first use and again after a failure."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout_s: float):
        address = urlsplit(base_url)
        self.host, self.port = address.hostname, address.port
        self.headers = [("Host", address.netloc), *headers.items()]
        self.timeout_s = timeout_s
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._http: h11.Connection | None = None

    async def post(self, target: str, body: bytes) -> Answer:
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self._exchange(target, body)
        except RequestFailed:
            self.close()
            raise
        except (OSError, TimeoutError, h11.ProtocolError) as error:
            self.close()
            raise RequestFailed(type(error).__name__) from error

    async def _exchange(self, target: str, body: bytes) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
            self._http = h11.Connection(h11.CLIENT)
        reader, writer = self._streams
        http = self._http
        headers = [
            *self.headers,
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]
        writer.write(
            http.send(h11.Request(method="POST", target=target, headers=headers))
            + http.send(h11.Data(data=body))
            + http.send(h11.EndOfMessage())
        )
        await writer.drain()
        status, chunks = 0, []
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                http.receive_data(await reader.read(READ_BYTES))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise RequestFailed("the server closed the connection")
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
        else:  # the server will close it (Connection: close): open a new one next time
            self.close()
        return Answer(status, b"".join(chunks))

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
        self._streams = self._http = None


class LoadClient:
    """The clients' `connections` connections, each lent to one request at a time.

    A request waits here for a free connection; the wait counts in its operation's latency,
    timed from when it was due. (One pool shared by all, as httpcore 1.0 keeps it, checks every
    connection and every waiting request each time one starts or ends: at 150–195 operations/s
    that took 40 % of the client process's CPU.)"""

    def __init__(self, base_url: str, headers: dict[str, str], connections: int):
        self._free: asyncio.Queue[Connection] = asyncio.Queue()
        self._all = [Connection(base_url, headers, TIMEOUT_S) for _ in range(connections)]
        for connection in self._all:
            self._free.put_nowait(connection)

    async def post(self, target: str, *, json: Any) -> Answer:
        body = _json.dumps(json).encode()
        connection = await self._free.get()
        try:
            return await connection.post(target, body)
        finally:
            self._free.put_nowait(connection)

    async def __aenter__(self) -> LoadClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        for connection in self._all:
            connection.close()
