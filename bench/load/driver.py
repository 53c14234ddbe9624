"""Sending the mix: open-loop at an offered rate (the load), closed-loop (the floor).

Open loop: arrivals are drawn ahead (seeded Poisson process at the offered rate) and each
operation starts at its time whether or not earlier ones have answered, so a slow server shows
as latency, not as a politely reduced rate (no coordinated omission): every latency is measured
from when the request was due. Closed loop: a few clients send `giveFeed` back to back; what
they get through is the most the write path takes here — the floor the load is sized from.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import websockets

from bench.load.http import LoadClient
from bench.load.operations import MIX, OPERATIONS, FarmView, Outcome, give

CONNECTIONS = 32  # HTTP connections the clients share (a farm's phones, tablets, dashboards)
PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = "subscription { eventAppended { id type } }"


@dataclass
class Run:
    """What a run sent and got back."""

    seconds: float
    offered_per_s: float | None
    outcomes: list[Outcome]
    delivered: int = 0  # events the live subscription received
    subscription_error: str | None = None
    by_operation: dict = field(default_factory=dict)

    @property
    def acknowledged(self) -> list[str]:
        return [o.event_id for o in self.outcomes if o.event_id]

    def mutations(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutation]

    def figures(self) -> dict:
        """Throughput, median and p99 per operation, and the count of each result."""
        per: dict[str, dict] = {}
        for name in sorted({o.operation for o in self.outcomes}):
            mine = [o for o in self.outcomes if o.operation == name]
            # What the farmer was told when a mutation was refused, by how often.
            messages = Counter(o.data["message"] for o in mine if o.data.get("message"))
            per[name] = {
                "n": len(mine),
                **_latency(mine),
                "results": dict(Counter(o.result for o in mine).most_common()),
                "messages": dict(messages.most_common(3)),
            }
        mutations = self.mutations()
        return {
            "seconds": round(self.seconds, 1),
            "offered_per_s": self.offered_per_s and round(self.offered_per_s, 1),
            "requests": len(self.outcomes),
            "mutations_per_s": round(len(mutations) / self.seconds, 1),
            "acknowledged_per_s": round(len(self.acknowledged) / self.seconds, 1),
            "mutations": _latency(mutations),
            "operations": per,
            "subscription_delivered": self.delivered,
            "subscription_error": self.subscription_error,
        }


def _latency(outcomes: list[Outcome]) -> dict:
    times = sorted(o.seconds * 1000 for o in outcomes)
    if not times:
        return {"median_ms": None, "p99_ms": None}
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return {"median_ms": round(statistics.median(times), 1), "p99_ms": round(p99, 1)}


def client_for(base_url: str, token: str) -> LoadClient:
    return LoadClient(base_url, {"Authorization": f"Bearer {token}"}, CONNECTIONS)


async def open_loop(
    base_url: str,
    ws_url: str,
    token: str,
    farm: FarmView,
    rate: float,
    seconds: float,
    seed: int,
) -> Run:
    """Send the mix at `rate` operations per second for `seconds`, with one live
    subscription open throughout."""
    rng = random.Random(seed)
    names, weights = list(MIX), list(MIX.values())
    counter = _Subscription(ws_url, token)
    listening = asyncio.create_task(counter.listen())
    await counter.ready.wait()
    async with client_for(base_url, token) as client:
        began = time.monotonic()
        tasks, at = [], 0.0
        while True:
            at += rng.expovariate(rate)
            if at >= seconds:
                break
            due = began + at
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            operation = OPERATIONS[rng.choices(names, weights)[0]]
            step = operation(client, farm, random.Random(rng.random()), due)
            tasks.append(asyncio.create_task(step))
        outcomes = [o for done in await asyncio.gather(*tasks) for o in done]
        elapsed = time.monotonic() - began
    await asyncio.sleep(0.5)  # the last events reach the subscriber
    listening.cancel()
    return Run(elapsed, rate, outcomes, counter.delivered, counter.error)


async def closed_loop(
    base_url: str, token: str, farm: FarmView, clients: int, seconds: float
) -> Run:
    """`clients` clients sending `giveFeed` back to back for `seconds`."""
    async with client_for(base_url, token) as client:
        began = time.monotonic()
        deadline = began + seconds

        async def one(number: int) -> list[Outcome]:
            rng, done = random.Random(number), []
            while time.monotonic() < deadline:
                done += await give(client, farm, rng, time.monotonic())
            return done

        outcomes = [o for done in await asyncio.gather(*map(one, range(clients))) for o in done]
        return Run(time.monotonic() - began, None, outcomes)


class _Subscription:
    """One dashboard's `eventAppended` over a real WebSocket, counting what it receives."""

    def __init__(self, ws_url: str, token: str):
        self.ws_url, self.token = ws_url, token
        self.delivered = 0
        self.error: str | None = None
        self.ready = asyncio.Event()

    async def listen(self) -> None:
        try:
            async with websockets.connect(self.ws_url, subprotocols=[PROTOCOL]) as ws:
                auth = {"Authorization": f"Bearer {self.token}"}
                await ws.send(json.dumps({"type": "connection_init", "payload": auth}))
                await ws.recv()  # connection_ack
                await ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
                )
                self.ready.set()
                async for message in ws:
                    if json.loads(message).get("type") == "next":
                        self.delivered += 1
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a dropped socket is a figure to report, not a crash
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.ready.set()
