"""The benchmarks: what is timed, how often, against which database, and the targets.

Every figure is the median and the 99th percentile (nearest rank) of wall-clock times in ms,
after a few untimed warm-up calls. Reads run on the cached history itself; everything that
writes runs on `.bench/work.db`, one copy of it made per run (the SQLite backup API), so the
cache is never changed:

- `resolve_filter` of `location:"Strip 1" sex:female` at mid-history and at the history's end;
- `get_egg_stats` of Strip 1 over 30 days, at the end and at mid-history;
- `edit_event` of an egg collection at 10 % of the history, the quantity alternating;
- `moveAnimals` of 20 animals back and forth between two locations, and `animals(first: 50)`,
  over HTTP against a real uvicorn server on 127.0.0.1 (httpx, keep-alive, an admin API token),
  and the same operations called directly (`AnimalService.move_animals`; `resolve_filter` +
  `queries.animals.snapshots_at` + the roster hash, which is what the `animals` resolver runs).
  The direct moves use a second flock of 20 from the same strip: each move adds a location
  interval per animal, so sharing one flock would hand the direct run a longer history;
- the dashboard over HTTP: `dailySeries` of the 365 local days ending on the history's last
  day, at the fullest strip and farm-wide, and `flock` of the 30 days before the history's end,
  farm-wide (read before the moves, on the work copy).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from animaltrack.events.payloads import AnimalMovedPayload
from animaltrack.events.store import EventStore
from animaltrack.projections import default_registry
from animaltrack.queries.animals import snapshots_at
from animaltrack.selection import compute_roster_hash, parse_filter, resolve_filter
from animaltrack.selection.validation import SelectionContext
from animaltrack.services.animal import AnimalService
from animaltrack.services.edit import edit_event
from animaltrack.services.stats import DEFAULT_TIMEZONE, get_egg_stats, local_date, zone
from animaltrack.simulation import HistorySummary
from animaltrack.timefmt import to_iso
from bench.server import admin_token, serving
from store import connect

FILTER = 'location:"Strip 1" sex:female'
ACTOR = "ppetru"
MOVE_SIZE = 20
PAGE_SIZE = 50

# Targets on the median, in ms; None: reported only.
TARGETS_MS: dict[str, float | None] = {
    "resolve_filter.mid": 20,
    "resolve_filter.end": 20,
    "egg_stats.end": 20,
    "egg_stats.mid": 20,
    "edit_event.egg": 50,
    "http.move_animals": 10,
    "direct.move_animals": None,
    "http.animals_first50": 10,
    "direct.animals_first50": None,
    "http.daily_series_365.strip": 50,
    "http.daily_series_365.farm": 100,
    "http.flock_30.farm": 50,
}
FIGURE_KEYS = tuple(TARGETS_MS)
# GraphQL overhead = HTTP median − direct median, per operation.
OVERHEAD_TARGET_MS = 5
OVERHEAD_KEYS = ("move_animals", "animals_first50")


@dataclass(frozen=True)
class Repeats:
    """How many timed calls each kind of benchmark makes, after `warmup` untimed ones."""

    reads: int = 200
    edits: int = 100
    http: int = 200
    warmup: int = 5


FULL = Repeats()
SMOKE = Repeats(reads=5, edits=4, http=6, warmup=1)


def now_ms() -> int:
    return int(time.time() * 1000)


def time_calls(fn: Callable[[int], object], repeat: int, warmup: int) -> list[float]:
    """Call `fn(i)` `warmup` times untimed, then `repeat` times; return the times in ms."""
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(warmup, warmup + repeat):
        began = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def _rank(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def figure(key: str, samples: list[float], db: str, **extra) -> dict:
    """Median and p99 (nearest rank) of the samples, with the target and whether it is met;
    also p90, the maximum, and the medians of the first and last tenth of the calls (in call
    order), which show a drift as the benchmark itself grows the data it works on."""
    ordered = sorted(samples)
    median = statistics.median(ordered)
    target = TARGETS_MS[key]
    tenth = max(1, len(samples) // 10)
    return {
        "median_ms": round(median, 3),
        "p99_ms": round(_rank(ordered, 0.99), 3),
        "p90_ms": round(_rank(ordered, 0.90), 3),
        "max_ms": round(ordered[-1], 3),
        "first_tenth_ms": round(statistics.median(samples[:tenth]), 3),
        "last_tenth_ms": round(statistics.median(samples[-tenth:]), 3),
        "n": len(ordered),
        "target_ms": target,
        "met": None if target is None else median < target,
        "db": db,
        **extra,
    }


# -- reads on the cached history ---------------------------------------------------------------


def bench_reads(path: Path, summary: HistorySummary, repeats: Repeats) -> dict[str, dict]:
    db = connect(path)
    try:
        strip_1 = summary.location_ids["Strip 1"]
        ast = parse_filter(FILTER)
        mid, end = summary.mid_ts, summary.end_ts + 1
        figures = {}
        for key, ts in (("resolve_filter.mid", mid), ("resolve_filter.end", end)):
            count = len(resolve_filter(db, ast, ts).animal_ids)
            samples = time_calls(
                lambda _, ts=ts: resolve_filter(db, ast, ts), repeats.reads, repeats.warmup
            )
            figures[key] = figure(key, samples, "history", ts_utc=ts, animals=count)
        for key, ts in (("egg_stats.end", end), ("egg_stats.mid", mid)):
            eggs = get_egg_stats(db, strip_1, ts, 30).eggs_total_pcs
            samples = time_calls(
                lambda _, ts=ts: get_egg_stats(db, strip_1, ts, 30), repeats.reads, repeats.warmup
            )
            figures[key] = figure(key, samples, "history", ts_utc=ts, eggs=eggs)
        return figures
    finally:
        db.close()


# -- edits on the work copy --------------------------------------------------------------------


def deep_egg_collection(db, summary: HistorySummary, fraction: float = 0.1) -> tuple[str, int]:
    """An egg collection at Strip 1 about `fraction` into the history: (event id, quantity)."""
    ts = summary.start_ts + int((summary.end_ts - summary.start_ts) * fraction)
    row = db.execute(
        "SELECT id, json_extract(payload, '$.quantity') FROM events"
        " WHERE type = 'ProductCollected' AND ts_utc >= ?"
        " AND json_extract(payload, '$.location_id') = ? ORDER BY ts_utc, id LIMIT 1",
        (ts, summary.location_ids["Strip 1"]),
    ).fetchone()
    if row is None:
        raise RuntimeError("the history has no egg collection at Strip 1 after 10 % of it")
    return row[0], int(row[1])


def bench_edit(work: Path, summary: HistorySummary, repeats: Repeats) -> dict[str, dict]:
    db = connect(work)
    try:
        store = EventStore(db)
        registry = default_registry(db)
        event_id, quantity = deep_egg_collection(db, summary)
        (later,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE ts_utc > (SELECT ts_utc FROM events WHERE id = ?)",
            (event_id,),
        ).fetchone()

        def edit(i: int) -> None:
            changes = {"quantity": quantity + (i % 2 == 0)}
            edit_event(db, store, registry, event_id, actor=ACTOR, role="admin", payload=changes)

        samples = time_calls(edit, repeats.edits, 2 * repeats.warmup)
        return {
            "edit_event.egg": figure(
                "edit_event.egg", samples, "work copy", event_id=event_id, later_events=later
            )
        }
    finally:
        db.close()


# -- HTTP against a real server, and the same operations called directly ------------------------

_SELECTION = """
query Select($filter: String!, $from: ID) {
  selection(filter: $filter, fromLocationId: $from) { animalIds count rosterHash }
}
"""
_MOVE = """
mutation Move($input: MoveAnimalsInput!) {
  moveAnimals(input: $input) {
    __typename
    ... on AnimalsMoved { animalIds }
    ... on UserError { message }
  }
}
"""
_ANIMALS = """
query Page($first: Int!) {
  animals(first: $first) {
    totalCount rosterHash
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id speciesCode sex lifeStage status locationId tags nickname } }
  }
}
"""


class _Client:
    def __init__(self, url: str, token: str):
        self.url = url
        self.http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def data(self, query: str, variables: dict | None = None) -> dict:
        response = self.http.post(self.url, json={"query": query, "variables": variables or {}})
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def close(self) -> None:
        self.http.close()


def _pick_flocks(client: _Client, summary: HistorySummary) -> tuple[list[str], list[str], str, str]:
    """Two flocks of up to 20 live animals at the fullest strip (one moved over HTTP, one
    directly, so both start from the same kind of history), that strip, and another strip."""
    counts = []
    for name, location_id in summary.location_ids.items():
        if name.startswith("Strip"):
            found = client.data(_SELECTION, {"filter": f'location:"{name}"'})["selection"]
            counts.append((found["count"], name, location_id, found["animalIds"]))
    counts.sort(key=lambda c: (-c[0], c[1]))
    _, _, home, ids = counts[0]
    away = next(loc for _, _, loc, _ in counts[1:])
    size = min(MOVE_SIZE, len(ids) // 2)
    return sorted(ids[:size]), sorted(ids[size : 2 * size]), home, away


_SERIES = """
query Series($id: ID, $from: Date!, $to: Date!) {
  dailySeries(locationId: $id, from: $from, to: $to) {
    days eggs feedGivenG feedCostCents birdDays layerEligibleBirdDays layingRatePct
  }
}
"""
_FLOCK = """
query Flock($at: DateTime, $days: Int!) {
  flock(at: $at, windowDays: $days) {
    eggs birdDays layerEligibleBirdDays layingRatePct eggsPerLayerPerDay feedGivenG
    feedPerDozenEggsKg feedCostCents costPerEggAllEur costPerEggLayersEur deaths
    animalsPresent mortalityPct feedStock { feedTypeCode balanceKg daysLeft }
  }
}
"""


def bench_dashboard(
    client: _Client, summary: HistorySummary, strip: str, repeats: Repeats
) -> dict[str, dict]:
    """`dailySeries` of a year (one strip, the farm) and `flock` of 30 days (the farm)."""
    last = local_date(summary.end_ts, zone(DEFAULT_TIMEZONE))
    days = {"from": (last - timedelta(days=364)).isoformat(), "to": last.isoformat()}
    figures: dict[str, dict] = {}
    for key, location in (("strip", strip), ("farm", None)):
        variables = {"id": location, **days}
        samples = time_calls(
            lambda _, v=variables: client.data(_SERIES, v), repeats.http, repeats.warmup
        )
        name = f"http.daily_series_365.{key}"
        figures[name] = figure(name, samples, "work copy", days=365)
    flock = {"at": to_iso(summary.end_ts + 1), "days": 30}
    samples = time_calls(lambda _: client.data(_FLOCK, flock), repeats.http, repeats.warmup)
    figures["http.flock_30.farm"] = figure("http.flock_30.farm", samples, "work copy", days=30)
    return figures


def bench_http(work: Path, summary: HistorySummary, repeats: Repeats) -> dict[str, dict]:
    token = admin_token(work, ACTOR)
    figures: dict[str, dict] = {}
    with serving(work) as url:
        client = _Client(url, token)
        try:
            ids, direct_ids, home, away = _pick_flocks(client, summary)
            figures |= bench_dashboard(client, summary, home, repeats)
            id_filter = "id:" + "|".join(ids)
            hashes = {
                loc: client.data(_SELECTION, {"filter": id_filter, "from": loc})["selection"][
                    "rosterHash"
                ]
                for loc in (home, away)
            }

            def move_http(i: int) -> None:
                source, target = (home, away) if i % 2 == 0 else (away, home)
                result = client.data(
                    _MOVE,
                    {
                        "input": {
                            "filter": id_filter,
                            "resolvedIds": ids,
                            "rosterHash": hashes[source],
                            "fromLocationId": source,
                            "toLocationId": target,
                        }
                    },
                )["moveAnimals"]
                if result["__typename"] != "AnimalsMoved":
                    raise RuntimeError(f"moveAnimals answered {result}")

            samples = time_calls(move_http, _even(repeats.http), 2 * repeats.warmup)
            figures["http.move_animals"] = figure(
                "http.move_animals", samples, "work copy", animals=len(ids)
            )

            def page_http(_: int) -> None:
                client.data(_ANIMALS, {"first": PAGE_SIZE})

            samples = time_calls(page_http, repeats.http, repeats.warmup)
            figures["http.animals_first50"] = figure("http.animals_first50", samples, "work copy")
        finally:
            client.close()

    db = connect(work)
    try:
        service = AnimalService(db, EventStore(db), default_registry(db))
        direct_filter = "id:" + "|".join(direct_ids)
        direct_hashes = {loc: compute_roster_hash(direct_ids, loc) for loc in (home, away)}

        def move_direct(i: int) -> None:
            source, target = (home, away) if i % 2 == 0 else (away, home)
            payload = AnimalMovedPayload(
                resolved_ids=direct_ids,
                to_location_id=target,
                from_location_id=source,
                filter=direct_filter,
            )
            selection = SelectionContext(
                direct_filter, direct_ids, direct_hashes[source], None, source, False
            )
            service.move_animals(payload, None, ACTOR, selection=selection)

        samples = time_calls(move_direct, _even(repeats.http), 2 * repeats.warmup)
        figures["direct.move_animals"] = figure(
            "direct.move_animals", samples, "work copy", animals=len(direct_ids)
        )
        everyone = parse_filter("")

        def page_direct(_: int) -> None:
            ts = now_ms()
            result = resolve_filter(db, everyone, ts)
            snapshots_at(db, result.animal_ids[:PAGE_SIZE], ts)
            compute_roster_hash(result.animal_ids)

        samples = time_calls(page_direct, repeats.http, repeats.warmup)
        figures["direct.animals_first50"] = figure("direct.animals_first50", samples, "work copy")
    finally:
        db.close()
    return figures


def _even(n: int) -> int:
    return n + n % 2


def overheads(figures: dict[str, dict]) -> dict[str, dict]:
    """HTTP median − direct median (the GraphQL and HTTP overhead), and HTTP / direct."""
    out = {}
    for key in OVERHEAD_KEYS:
        http, direct = figures[f"http.{key}"]["median_ms"], figures[f"direct.{key}"]["median_ms"]
        overhead = http - direct
        out[key] = {
            "overhead_ms": round(overhead, 3),
            "ratio": round(http / direct, 2) if direct else None,
            "target_ms": OVERHEAD_TARGET_MS,
            "met": overhead < OVERHEAD_TARGET_MS,
        }
    return out
