"""`python -m bench.load` (in `make load`): a simulated year under a farm's load (issue 12).

1. The farm: `animaltrack simulate` (a year, 60 birds; cached in `.bench/`), copied afresh.
2. The server: `animaltrack serve` (its processes, `--workers` or serve's default) on
   127.0.0.1, apart from the clients' process; feed is bought so the stock lasts, and the
   clients read every place's roster once.
3. The floor: closed-loop `giveFeed` from 8 clients — the most the write path takes here.
4. The load: the mix of `bench.load.operations` open-loop for `--seconds`, its mutations
   offered at `--share` of the floor (so all operations at that rate ÷ the mix's share of
   mutations), with one live subscription.
   The CPU the server, the clients and the machine used during the floor and the load is
   reported beside them (`bench.load.cpu`): it says whether the mix can fit at that rate.
5. The checks: every acknowledged event in the log once, no overlapping intervals, stale
   hashes never moving anything, no HTTP 500, `animaltrack verify` clean.
6. The fault run (`bench.load.faults`): the same mix with the server killed by SIGKILL at
   seeded moments and restarted; every acknowledged event present, nonce retries answered
   with the original success, `verify` clean after each restart.

Prints the figures and writes them to `.bench/load-results.json`; a missed speed target is
reported, a broken promise (lost or doubled events, a 500, verify unclean…) exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.load import checks, cpu
from bench.load.driver import client_for, closed_loop, open_loop
from bench.load.faults import fault_run
from bench.load.operations import MIX, MUTATING, FarmView, read_roster
from bench.load.server import ServerProcess
from store import connect

CACHE = Path(".bench")
MUTATION_SHARE = sum(share for name, share in MIX.items() if name in MUTATING) / 100
FLOOR_CLIENTS = 8
# Targets of speed: reported as missed, like `make bench`'s; every other target is a promise
# about correctness, and a broken one fails the run.
SPEED = frozenset(
    {
        "mutation throughput ≥ 50 % of the floor",
        "p99 mutation latency < 150 ms",
        "animals(first: 50) median < 15 ms while writes run",
    }
)
PURCHASE = """mutation($input: PurchaseFeedInput!) {
  purchaseFeed(input: $input) { __typename } }"""


def farm_file(days: int, flock: int, seed: int, cache: Path) -> Path:
    """The simulated farm, made once per arguments (`animaltrack simulate`)."""
    path = cache / f"load-farm-days{days}-flock{flock}-seed{seed}.db"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "tools.cli", "simulate", "--days", str(days)]
            + ["--flock", str(flock), "--seed", str(seed), "--out", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def farm_view(db_path: Path) -> FarmView:
    db = connect(db_path)
    try:
        places = [r[0] for r in db.execute("SELECT id FROM locations WHERE active")]
        strips = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT location_id FROM event_locations JOIN events ON id = event_id"
                " WHERE type = 'ProductCollected'"
            )
            if r[0] in places
        ]
        return FarmView(strips=sorted(strips), places=sorted(places))
    finally:
        db.close()


async def prepare(server: ServerProcess, farm: FarmView) -> None:
    """Buy feed for the run and read every place's roster once, as a tablet does on opening."""
    async with client_for(server.base_url, server.token) as client:
        bags = {"feedTypeCode": "layer", "bagsCount": 5000, "bagPriceCents": 2400}
        purchase = {"query": PURCHASE, "variables": {"input": bags}}
        answer = await client.post("/graphql", json=purchase)
        if answer.status_code != 200:
            raise RuntimeError(f"buying feed was answered {answer.status_code}: {answer.body!r}")
        for place in farm.places:
            await read_roster(client, farm, random.Random(0), 0.0, place)


@contextlib.contextmanager
def served_copy(
    source: Path, work: Path, name: str, workers: int | None = None
) -> Iterator[tuple[ServerProcess, FarmView]]:
    """A fresh copy of the farm, served and prepared (feed bought, rosters read once)."""
    db_path = work / f"{name}.db"
    shutil.copy(source, db_path)
    # A farm cached by an older version is brought up to date as an operator would.
    subprocess.run(
        [sys.executable, "-m", "tools.cli", "--db", str(db_path), "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    farm = farm_view(db_path)
    server = ServerProcess(db_path, work / f"{name}-server.log", workers)
    server.start()
    try:
        asyncio.run(prepare(server, farm))
        yield server, farm
    finally:
        server.stop()


def run(args) -> dict:
    work = Path(args.work)
    source = farm_file(args.days, args.flock, args.seed, Path(args.cache))
    with served_copy(source, work, "farm", args.workers) as (server, farm):
        group = server.process.pid  # the server's processes form a group of their own
        with cpu.measure(group) as floor_cpu:
            floor = asyncio.run(
                closed_loop(server.base_url, server.token, farm, FLOOR_CLIENTS, args.floor_seconds)
            )
        floor_per_s = len(floor.acknowledged) / floor.seconds
        since = checks.last_seq(server.db_path)
        offered = args.share * floor_per_s / MUTATION_SHARE
        with cpu.measure(group) as load_cpu:
            load = asyncio.run(
                open_loop(
                    server.base_url,
                    server.ws_url,
                    server.token,
                    farm,
                    offered,
                    args.seconds,
                    args.seed,
                )
            )
    db_path = server.db_path
    check = checks.check_log(db_path, load.outcomes, since)
    clean, verdict = checks.verify(db_path)
    figures = load.figures()
    results = {
        "farm": {"days": args.days, "flock": args.flock, "seed": args.seed},
        "floor": {**floor.figures(), "acknowledged_per_s": round(floor_per_s, 1)},
        "load": figures,
        "checks": {**check, "verify": verdict},
        "cpu": {
            "floor": floor_cpu and floor_cpu.figures(len(floor.outcomes)),
            "load": load_cpu and load_cpu.figures(len(load.outcomes)),
        },
        "server_log_tracebacks": server.log_text().count("Traceback"),
    }
    mutations_per_s = figures["mutations_per_s"]
    animals = figures["operations"].get("animals", {})
    results["targets"] = {
        "mutation throughput ≥ 50 % of the floor": mutations_per_s >= 0.5 * floor_per_s,
        "p99 mutation latency < 150 ms": (figures["mutations"]["p99_ms"] or 0) < 150,
        "animals(first: 50) median < 15 ms while writes run": (animals.get("median_ms") or 0) < 15,
        "stale hashes never move": checks.stale_never_moved(check),
        "no HTTP 500": check["http_500"] == 0,
        "every acknowledged event once": checks.log_holds_what_was_told(check),
        "no overlapping intervals": check["overlapping_intervals"] == 0,
        "verify clean": clean,
        "no traceback in the server log": results["server_log_tracebacks"] == 0,
    }
    results["faults"] = faults(args, source, work, offered)
    return results


def faults(args, source: Path, work: Path, offered: float) -> dict:
    """The fault run on a fresh copy of the farm, at the load's offered rate."""
    with served_copy(source, work, "faults", args.workers) as (server, farm):
        return asyncio.run(
            fault_run(server, farm, offered, args.fault_seconds, args.seed, args.kills)
        )


def print_results(results: dict) -> None:
    floor, load = results["floor"], results["load"]
    latency = floor["mutations"]
    print(
        f"Floor: {floor['acknowledged_per_s']:,} giveFeed/s closed-loop from {FLOOR_CLIENTS}"
        f" clients (median {latency['median_ms']} ms, p99 {latency['p99_ms']} ms)"
    )
    print(
        f"Load: {load['seconds']} s, offered {load['offered_per_s']} operations/s;"
        f" {load['mutations_per_s']} mutations/s answered, {load['acknowledged_per_s']}"
        f" events/s acknowledged; mutations median {load['mutations']['median_ms']} ms,"
        f" p99 {load['mutations']['p99_ms']} ms; subscription got"
        f" {load['subscription_delivered']} events"
    )
    for name, op in load["operations"].items():
        results_text = ", ".join(f"{k} {v}" for k, v in op["results"].items())
        print(
            f"  {name:24} n {op['n']:6}  median {op['median_ms']:>7} ms  p99"
            f" {op['p99_ms']:>7} ms  {results_text}"
        )
        for message, count in op.get("messages", {}).items():
            print(f"    {count:6} × {message}")
    for phase, use in results["cpu"].items():
        if use:
            print(
                f"CPU during the {phase}: machine {use['machine_busy_pct']} % busy; server"
                f" {use['server_cores']} cores ({use['server_ms_per_operation']} ms a request),"
                f" clients {use['client_cores']} cores"
            )
    print(f"Checks: {json.dumps(results['checks'])}")
    for target, met in results["targets"].items():
        print(f"  {'met   ' if met else 'MISSED'} {target}")
    faults = results["faults"]
    told = faults["checks"]
    print(
        f"Faults: {len(faults['kills'])} kill -9 over {faults['load']['seconds']} s;"
        f" {told['acknowledged']} acknowledged, {told['acknowledged_in_log']} in the log;"
        f" nonce retries {faults['retries']['same']}/{faults['retries']['sent']} answered the"
        " original success"
    )
    for kill in faults["kills"]:
        print(f"  at {kill['at_s']} s: integrity {kill['integrity']}; {kill['verify']}")
    for target, met in faults["targets"].items():
        print(f"  {'met   ' if met else 'MISSED'} {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--floor-seconds", type=float, default=15)
    parser.add_argument("--share", type=float, default=0.6, help="offered mutations ÷ floor")
    parser.add_argument("--fault-seconds", type=float, default=30)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--flock", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default: serve's)"
    )
    parser.add_argument("--cache", default=str(CACHE))
    parser.add_argument("--out", default=str(CACHE / "load-results.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="animaltrack-load-") as tmp:
        args.work = tmp
        results = run(args)
    print_results(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    promises = [met for target, met in results["targets"].items() if target not in SPEED]
    return 0 if all(promises) and all(results["faults"]["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
