"""The fault run: the mix keeps coming while the server is killed with SIGKILL at seeded
moments — a power cut in the middle of writes — and started again on the same port.

After each kill, before the restart, the database must open clean (`PRAGMA integrity_check`)
and `animaltrack verify` must pass: nothing half-written, projections equal to the log. At the
end every acknowledged event must be in the log once, and a retry of acknowledged mutations
with their nonces must answer the original success (the same event), not record them again.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from bench.load import checks
from bench.load.driver import client_for, open_loop
from bench.load.operations import FarmView, post
from bench.load.server import ServerProcess
from store import connect

RETRIES = 20


def kill_moments(seconds: float, kills: int, seed: int) -> list[float]:
    """`kills` seeded moments in the run, at least a second and a half apart."""
    if kills == 0:
        return []
    rng = random.Random(seed)
    span = seconds / kills
    return [i * span + rng.uniform(0.5, span - 1.0) for i in range(kills)]


def _integrity(db_path: Path) -> str:
    db = connect(db_path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


async def fault_run(
    server: ServerProcess, farm: FarmView, rate: float, seconds: float, seed: int, kills: int
) -> dict:
    """Send the mix for `seconds` at `rate`, killing and restarting the server `kills` times."""
    since = checks.last_seq(server.db_path)
    after_kills: list[dict] = []

    async def killer() -> None:
        began = asyncio.get_running_loop().time()
        for moment in kill_moments(seconds, kills, seed):
            await asyncio.sleep(max(0.0, began + moment - asyncio.get_running_loop().time()))
            server.kill()
            clean, verdict = await asyncio.to_thread(checks.verify, server.db_path)
            integrity = await asyncio.to_thread(_integrity, server.db_path)
            after_kills.append(
                {
                    "at_s": round(moment, 1),
                    "verify": verdict,
                    "clean": clean,
                    "integrity": integrity,
                }
            )
            await asyncio.to_thread(server.start)

    killing = asyncio.create_task(killer())
    run = await open_loop(server.base_url, server.ws_url, server.token, farm, rate, seconds, seed)
    await killing
    retried = await _retry(server, run.outcomes)
    check = checks.check_log(server.db_path, run.outcomes, since)
    return {
        "load": run.figures(),
        "kills": after_kills,
        "retries": retried,
        "checks": check,
        "targets": {
            "every acknowledged event present once": (
                check["acknowledged_in_log"]
                == check["acknowledged_distinct"]
                == check["acknowledged"]
            ),
            "verify clean after each kill": all(k["clean"] for k in after_kills),
            "nothing half-written (integrity_check ok)": all(
                k["integrity"] == "ok" for k in after_kills
            ),
            "nonce retries answer the original success": retried["same"] == retried["sent"],
            "no HTTP 500": check["http_500"] == 0,
        },
    }


async def _retry(server: ServerProcess, outcomes) -> dict:
    """Send acknowledged mutations again with their nonces; each must answer the same event."""
    acknowledged = [o for o in outcomes if o.event_id and o.request]
    sample = random.Random(0).sample(acknowledged, min(RETRIES, len(acknowledged)))
    same = 0
    async with client_for(server.base_url, server.token) as client:
        for outcome in sample:
            result, data = await post(client, **outcome.request)
            same += result == outcome.result and (data.get("event") or {}).get("id") == (
                outcome.event_id
            )
    return {"sent": len(sample), "same": same}
