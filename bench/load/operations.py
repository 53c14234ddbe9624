"""What a farm's clients send (issue 12's mix): phones recording eggs and feed, a barn tablet
moving animals with the roster hash a `selection` gave it (some of them stale, as when a second
phone moved a duck meanwhile), a few attribute changes and tags, and dashboards reading rosters,
egg statistics and the log.

Each operation is one async function over a `LoadClient` (`http.py`); it returns the `Outcome`s of
the requests it made (a move makes two or three: its selection, the move, a confirmation).
Every mutation carries a nonce, so a retry after a lost answer cannot record it twice.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

from animaltrack.selection.hashing import compute_roster_hash
from bench.load.http import RequestFailed

# The mix, in percent of operations (they add up to 100).
MIX = {
    "collectProduct": 25,
    "giveFeed": 15,
    "moveAnimals": 15,
    "updateAttributes|addTag": 5,
    "animals|roster": 25,
    "eggStats": 10,
    "events": 5,
}
# The operations of the mix that write.
MUTATING = frozenset({"collectProduct", "giveFeed", "moveAnimals", "updateAttributes|addTag"})
STALE_SHARE = 0.2  # of the moves, sent with a stale roster hash
CONFIRM_SHARE = 0.2  # of the stale ones, confirmed after the mismatch

_SUCCESS = "... on MutationSuccess { event { id } }"
_MISMATCH = "... on SelectionMismatch { currentAnimalIds currentRosterHash }"
_ERROR = "... on UserError { message }"

COLLECT = f"""mutation($input: CollectProductInput!) {{
  collectProduct(input: $input) {{ __typename {_SUCCESS} {_ERROR} }} }}"""
GIVE = f"""mutation($input: GiveFeedInput!) {{
  giveFeed(input: $input) {{ __typename {_SUCCESS} {_ERROR} }} }}"""
MOVE = f"""mutation($input: MoveAnimalsInput!) {{
  moveAnimals(input: $input) {{ __typename {_SUCCESS} {_MISMATCH} {_ERROR} }} }}"""
UPDATE = f"""mutation($input: UpdateAttributesInput!) {{
  updateAttributes(input: $input) {{ __typename {_SUCCESS} {_MISMATCH} {_ERROR} }} }}"""
TAG = f"""mutation($input: AddTagInput!) {{
  addTag(input: $input) {{ __typename {_SUCCESS} {_MISMATCH} {_ERROR} }} }}"""
SELECTION = """query($filter: String!, $from: ID) {
  selection(filter: $filter, fromLocationId: $from) { animalIds rosterHash } }"""
ANIMALS = """query($filter: String!) {
  animals(filter: $filter, first: 50) { totalCount edges { node { id sex lifeStage } } } }"""
ROSTER = """query($id: ID!) {
  location(id: $id) { roster(first: 50) { totalCount edges { node { id sex lifeStage } } } } }"""
EGG_STATS = """query($id: ID!) {
  eggStats(locationId: $id, windowDays: 30) { eggsTotalPcs birdDays costPerEggAllEur } }"""
EVENTS = """query($id: ID!) {
  events(locationId: $id, first: 20) { totalCount edges { node { id type tsUtc } } } }"""


@dataclass
class Outcome:
    """One request: when it was due, how long it took, what came back."""

    operation: str
    due: float  # time.monotonic() when it was meant to be sent (open loop)
    seconds: float  # from `due` to the answer
    result: str  # the result union's __typename, "ok" for a read, or "HTTP 503", "error …"
    event_id: str | None = None
    nonce: str | None = None
    mutation: bool = False
    stale: bool = False  # a move sent with a stale roster hash on purpose
    request: dict | None = None  # a mutation's query and variables, to retry it by its nonce
    data: dict = field(default_factory=dict, repr=False)  # the answer, for a move's next step


@dataclass
class FarmView:
    """What the clients know of the farm: its laying strips and other places, and the last
    roster each client saw of each place (refreshed by the reads)."""

    strips: list[str]
    places: list[str]
    rosters: dict[str, list[dict]] = field(default_factory=dict)


async def post(client, query: str, variables: dict) -> tuple[str, dict]:
    """(result, data): the mutation's __typename or "ok", or why there is none."""
    try:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
    except RequestFailed as error:
        return f"error {error}", {}
    if response.status_code != 200:
        return f"HTTP {response.status_code}", {}
    body = response.json()
    if body.get("errors"):
        code = body["errors"][0].get("extensions", {}).get("code", "no code")
        return f"errors {code}", {}
    data = next(iter(body["data"].values()))
    if not isinstance(data, dict):
        return "ok", {}
    return data.get("__typename", "ok"), data


async def _request(client, operation, due, query, variables, mutation=False) -> Outcome:
    result, data = await post(client, query, variables)
    event = (data.get("event") or {}).get("id")
    nonce = variables.get("input", {}).get("nonce") if mutation else None
    seconds = time.monotonic() - due
    request = {"query": query, "variables": variables} if mutation else None
    return Outcome(
        operation, due, seconds, result, event, nonce, mutation, request=request, data=data
    )


def _nonce(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


async def collect(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    variables = {
        "input": {
            "locationId": rng.choice(farm.strips),
            "productCode": "egg.duck",
            "quantity": str(rng.randint(1, 12)),
            "nonce": _nonce(rng),
        }
    }
    return [await _request(client, "collectProduct", due, COLLECT, variables, mutation=True)]


async def give(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    variables = {
        "input": {
            "locationId": rng.choice(farm.places),
            "feedTypeCode": "layer",
            "amountKg": rng.randint(1, 3),
            "nonce": _nonce(rng),
        }
    }
    return [await _request(client, "giveFeed", due, GIVE, variables, mutation=True)]


async def read_roster(
    client, farm: FarmView, rng: random.Random, due: float, place: str | None = None
) -> list[Outcome]:
    """A place's animals, as a dashboard or a tablet lists them (and remembers them)."""
    place = place or rng.choice(farm.places)
    if rng.random() < 0.5:
        outcome = await _request(client, "animals", due, ANIMALS, {"filter": f"location:{place}"})
        connection = outcome.data
    else:
        outcome = await _request(client, "location.roster", due, ROSTER, {"id": place})
        connection = outcome.data.get("roster") or {}
    if connection.get("edges") is not None:
        farm.rosters[place] = [edge["node"] for edge in connection["edges"]]
    return [outcome]


async def move(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    """Select 1–5 animals of one place, then move them elsewhere with the selection's hash —
    or, for a fifth of the moves, with a hash of one animal fewer (what a tablet holds when
    another phone added an animal meanwhile): `SelectionMismatch`, and for a fifth of those
    the confirmation that moves what is there now."""
    source = rng.choice([p for p in farm.places if farm.rosters.get(p)] or farm.places)
    roster = farm.rosters.get(source) or []
    if not roster:
        return await read_roster(client, farm, rng, due)
    ids = sorted({a["id"] for a in rng.sample(roster, min(len(roster), rng.randint(1, 5)))})
    filter_ = "id:" + "|".join(ids)
    outcomes = [
        await _request(client, "selection", due, SELECTION, {"filter": filter_, "from": source})
    ]
    selected = outcomes[0].data
    if not selected.get("animalIds"):
        return outcomes
    seen, digest = selected["animalIds"], selected["rosterHash"]
    stale = len(seen) > 1 and rng.random() < STALE_SHARE
    if stale:
        seen = seen[:-1]
        digest = compute_roster_hash(seen, source)
    target = rng.choice([p for p in farm.places if p != source])
    move_input = {
        "filter": filter_,
        "resolvedIds": seen,
        "rosterHash": digest,
        "fromLocationId": source,
        "toLocationId": target,
        "nonce": _nonce(rng),
    }
    sent = time.monotonic()
    outcome = await _request(client, "moveAnimals", sent, MOVE, {"input": move_input}, True)
    outcome.stale = stale
    outcomes.append(outcome)
    if outcome.result == "SelectionMismatch" and stale and rng.random() < CONFIRM_SHARE:
        current = outcome.data
        confirm = {
            **move_input,
            "resolvedIds": current["currentAnimalIds"],
            "rosterHash": current["currentRosterHash"],
            "confirmed": True,
            "nonce": _nonce(rng),
        }
        sent = time.monotonic()
        outcomes.append(
            await _request(client, "moveAnimals confirmed", sent, MOVE, {"input": confirm}, True)
        )
    farm.rosters.pop(source, None)  # it changed (or was stale): read it again before using it
    return outcomes


async def mark(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    """A tag or an attribute change on one animal of a roster seen lately."""
    place = rng.choice([p for p in farm.places if farm.rosters.get(p)] or farm.places)
    roster = farm.rosters.get(place) or []
    if not roster:
        return await read_roster(client, farm, rng, due)
    animal = rng.choice(roster)["id"]
    selected = await _request(
        client, "selection", due, SELECTION, {"filter": f"id:{animal}", "from": None}
    )
    data = selected.data
    if not data.get("animalIds"):
        return [selected]
    base = {
        "filter": f"id:{animal}",
        "resolvedIds": data["animalIds"],
        "rosterHash": data["rosterHash"],
        "nonce": _nonce(rng),
    }
    sent = time.monotonic()
    if rng.random() < 0.5:
        variables = {"input": {**base, "tag": rng.choice(["watch", "limp", "ring:blue"])}}
        return [selected, await _request(client, "addTag", sent, TAG, variables, True)]
    variables = {"input": {**base, "reproStatus": rng.choice(["INTACT", "UNKNOWN"])}}
    return [selected, await _request(client, "updateAttributes", sent, UPDATE, variables, True)]


async def egg_stats(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    variables = {"id": rng.choice(farm.strips)}
    return [await _request(client, "eggStats", due, EGG_STATS, variables)]


async def events(client, farm: FarmView, rng: random.Random, due: float) -> list[Outcome]:
    variables = {"id": rng.choice(farm.places)}
    return [await _request(client, "events", due, EVENTS, variables)]


OPERATIONS = {
    "collectProduct": collect,
    "giveFeed": give,
    "moveAnimals": move,
    "updateAttributes|addTag": mark,
    "animals|roster": read_roster,
    "eggStats": egg_stats,
    "events": events,
}
