"""The acceptance scenarios' GraphQL driver (SPEC §16): `ServiceDriver`'s methods, as operations.

`GraphQLScenarioDriver` implements `ScenarioDriver` by sending GraphQL operations through a
GraphQL client (`tests/graphql/graphql_driver.py`: anything with `execute(query, variables)`,
usually `HttpGraphQLDriver`, which POSTs to the app under uvicorn). The recorder's client runs the
steps, so the actor is `ines` as with the service driver; `admin=True` uses the admin's client.

What a client must add to the service calls, it adds here and nowhere else: a selection
mutation (move, attributes, harvest) first asks `selection` for the hand-picked ids as an `id:`
filter at the step's time, then sends the filter, the ids and the hash (SPEC §9.2); enums are
upper case; times are `DateTime` text; an edit's payload is sent in the API's shape. Answers
come back as the service driver's values: `Event`s (the API's `ANIMAL_MOVED` as the log's
`AnimalMoved`, payloads in the stored shape again), `FeedStock`, and
`ApiEggStats` with the attribute names of the service's `EggStats` holding the API's `Decimal`
strings as `Decimal`s (so `str()` gives back exactly the text the API sent). An error member of
a result union raises `Refused` with its `__typename`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from stats_driver import Refused, ScenarioDriver

from animaltrack.events.model import Event
from animaltrack.services.readmodels import FeedStock
from animaltrack.timefmt import from_iso, to_iso
from schema.payloads import from_api, to_api

EVENT_FIELDS = "id type tsUtc actor version payload entityRefs"

# The facts each error member carries besides `message`, as `Refused.details` keys; a
# mutation asks for those of the members its result union holds.
REFUSAL_FIELDS = {
    "ValidationError": "field",
    "VersionConflict": "currentVersion",
    "DependentEvents": "dependentEventIds",
    "HistoryConflict": "conflictingEventIds",
    "SelectionMismatch": "added removed currentCount",
    "FilterSyntaxError": "position",
}
_DETAILS = {
    "field": "field",
    "currentVersion": "current_version",
    "dependentEventIds": "dependent_event_ids",
    "conflictingEventIds": "conflicting_event_ids",
    "added": "added",
    "removed": "removed",
    "currentCount": "current_count",
    "position": "position",
}

EGG_STATS = """
    locationId windowStart windowEnd eggsTotalPcs feedTotalG feedLayersG feedCostCents
    costPerEggAllEur costPerEggLayersEur birdDays layerEligibleBirdDays layerEligibleCountNow
    eggsPerLayerPerDay feedPerBirdPerDayG feedCostPerBirdPerDayEur dailyEggs { day eggs }
"""


FLOCK = """
    eggs birdDays layerEligibleBirdDays layingRatePct eggsPerLayerPerDay feedGivenG
    feedPerDozenEggsKg feedCostCents costPerEggAllEur costPerEggLayersEur deaths animalsPresent
    mortalityPct feedStock { feedTypeCode balanceKg givenInWindowKg daysLeft }
"""
SERIES = "days eggs feedGivenG feedCostCents birdDays layerEligibleBirdDays layingRatePct"
_FLOCK_DECIMALS = (
    "birdDays layerEligibleBirdDays layingRatePct eggsPerLayerPerDay feedPerDozenEggsKg"
    " costPerEggAllEur costPerEggLayersEur mortalityPct"
).split()


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def flock_from_api(f: dict[str, Any]) -> dict[str, Any]:
    """The API's `flock` as the service driver's `flock_figures` dict."""
    flat = {_snake(k): _decimal(v) if k in _FLOCK_DECIMALS else v for k, v in f.items()}
    flat["feed_stock"] = [
        (r["feedTypeCode"], r["balanceKg"], r["givenInWindowKg"], _decimal(r["daysLeft"]))
        for r in f["feedStock"]
    ]
    return flat


def series_from_api(s: dict[str, Any]) -> dict[str, list]:
    """The API's `dailySeries` columns, days as `date`s and decimals as `Decimal`s."""
    columns = {_snake(k): v for k, v in s.items()}
    columns["days"] = [date.fromisoformat(d) for d in s["days"]]
    for name in ("bird_days", "layer_eligible_bird_days", "laying_rate_pct"):
        columns[name] = [_decimal(v) for v in columns[name]]
    return columns


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _ms(text: str | None) -> int | None:
    return None if text is None else from_iso(text)


def stored_type(api_type: str) -> str:
    """`ANIMAL_MOVED` → `AnimalMoved`, the type as the log stores it."""
    return "".join(word.capitalize() for word in api_type.split("_"))


def event_from_api(node: dict[str, Any]) -> Event:
    return Event(
        id=node["id"],
        type=stored_type(node["type"]),
        ts_utc=from_iso(node["tsUtc"]),
        actor=node["actor"],
        entity_refs=from_api(node["entityRefs"]),
        payload=from_api(node["payload"]),
        version=node["version"],
    )


@dataclass(frozen=True)
class ApiEggStats:
    """`EggStats` as the API answered it; attribute names as `services.stats.EggStats`."""

    location_id: str
    window_start_utc: int
    window_end_utc: int
    eggs_total_pcs: int
    feed_total_g: int
    feed_layers_g: int
    feed_cost_cents: int
    cost_per_egg_all_eur: Decimal | None
    cost_per_egg_layers_eur: Decimal | None
    bird_days: Decimal
    layer_eligible_bird_days: Decimal
    layer_eligible_count_now: int
    eggs_per_layer_per_day: Decimal | None
    feed_per_bird_per_day_g: Decimal | None
    feed_cost_per_bird_per_day_eur: Decimal | None
    daily_eggs: tuple[tuple[date, int], ...]

    @classmethod
    def from_api(cls, s: dict[str, Any]) -> ApiEggStats:
        return cls(
            location_id=s["locationId"],
            window_start_utc=from_iso(s["windowStart"]),
            window_end_utc=from_iso(s["windowEnd"]),
            eggs_total_pcs=s["eggsTotalPcs"],
            feed_total_g=s["feedTotalG"],
            feed_layers_g=s["feedLayersG"],
            feed_cost_cents=s["feedCostCents"],
            cost_per_egg_all_eur=_decimal(s["costPerEggAllEur"]),
            cost_per_egg_layers_eur=_decimal(s["costPerEggLayersEur"]),
            bird_days=Decimal(s["birdDays"]),
            layer_eligible_bird_days=Decimal(s["layerEligibleBirdDays"]),
            layer_eligible_count_now=s["layerEligibleCountNow"],
            eggs_per_layer_per_day=_decimal(s["eggsPerLayerPerDay"]),
            feed_per_bird_per_day_g=_decimal(s["feedPerBirdPerDayG"]),
            feed_cost_per_bird_per_day_eur=_decimal(s["feedCostPerBirdPerDayEur"]),
            daily_eggs=tuple((date.fromisoformat(d["day"]), d["eggs"]) for d in s["dailyEggs"]),
        )


class GraphQLScenarioDriver(ScenarioDriver):
    """Drives a GraphQL API: `client` as the recorder, `admin_client` as the admin; `db_path`
    is the server's database file (read only to compare it with a replay)."""

    def __init__(self, client, admin_client, db_path: Path):
        super().__init__()
        self.client = client
        self.admin_client = admin_client
        self._db_path = Path(db_path)
        self._locations: dict[str, str] = {}
        self._refusals: dict[str, str] = {}

    def _refusal_fragments(self, mutation: str) -> str:
        """`... on X { facts }` for each error member of the mutation's result union."""
        if mutation not in self._refusals:
            union = f"{mutation[0].upper()}{mutation[1:]}Result"
            query = "query($name: String!) { __type(name: $name) { possibleTypes { name } } }"
            members = self.client.data(query, {"name": union})["__type"]["possibleTypes"]
            self._refusals[mutation] = " ".join(
                f"... on {m['name']} {{ {REFUSAL_FIELDS[m['name']]} }}"
                for m in members
                if m["name"] in REFUSAL_FIELDS
            )
        return self._refusals[mutation]

    @property
    def db_path(self) -> Path:
        return self._db_path

    def _run(self, name: str, input: dict[str, Any], more: str = "", *, admin=False) -> dict:
        """Run mutation `name`; its success member, or `Refused` for an error member."""
        client = self.admin_client if admin else self.client
        result = client.mutate(name, input, f"{self._refusal_fragments(name)} {more}")
        if "event" not in result:
            details = {_DETAILS[k]: v for k, v in result.items() if k in _DETAILS}
            raise Refused(result["__typename"], result["message"], **details)
        return result

    def _step(self, name: str, input: dict[str, Any], more: str = "") -> Event:
        return self._done(event_from_api(self._run(name, input, more)["event"]))

    def _selected(self, animal_ids: list[str], ts: int) -> dict[str, Any]:
        """The selection fields of a mutation on exactly these animals at `ts` (SPEC §9.2:
        a hand-picked subset is an `id:` filter, resolved and hashed by the server)."""
        filter = "id:" + "|".join(animal_ids)
        seen = self.client.selection(filter, at=to_iso(ts))
        assert sorted(seen["animalIds"]) == sorted(animal_ids), (seen, animal_ids)
        return {
            "filter": filter,
            "resolvedIds": seen["animalIds"],
            "rosterHash": seen["rosterHash"],
            "tsUtc": to_iso(ts),
        }

    # -- looking things up -----------------------------------------------------------------

    def location(self, name: str) -> str:
        if not self._locations:
            listed = self.client.data("{ locations { id name } }")["locations"]
            self._locations = {loc["name"]: loc["id"] for loc in listed}
        return self._locations[name]

    def _roster(self, location: str, at: int | None, fields: str) -> dict[str, Any]:
        query = f"""
            query($id: ID!, $at: DateTime) {{
              location(id: $id) {{ roster(at: $at, first: 500) {{ {fields} }} }}
            }}
        """
        variables = {"id": self.location(location), "at": None if at is None else to_iso(at)}
        return self.client.data(query, variables)["location"]["roster"]

    def live_ids(self, location: str, at: int | None = None) -> list[str]:
        roster = self._roster(location, at, "totalCount pageInfo { hasNextPage } nodes { id }")
        assert not roster["pageInfo"]["hasNextPage"]
        return sorted(node["id"] for node in roster["nodes"])

    def sex_counts(self, location: str, at: int | None = None) -> dict[str, int]:
        roster = self._roster(location, at, "facets { sex { sex count } }")
        return {f["sex"].lower(): f["count"] for f in roster["facets"]["sex"]}

    def animal_status(self, animal_id: str) -> str | None:
        query = "query($id: ID!) { animal(id: $id) { status } }"
        animal = self.client.data(query, {"id": animal_id})["animal"]
        return animal["status"].lower() if animal else None

    def feed_stock(self, feed_type: str) -> FeedStock:
        query = """{ feedInventory { feedTypeCode name purchasedKg givenKg balanceKg
                     lastPurchasePricePerKgCents lastPurchaseAt lastGivenAt } }"""
        stock = self.client.data(query)["feedInventory"]
        s = next(s for s in stock if s["feedTypeCode"] == feed_type)
        return FeedStock(
            feed_type_code=s["feedTypeCode"],
            name=s["name"],
            purchased_kg=s["purchasedKg"],
            given_kg=s["givenKg"],
            balance_kg=s["balanceKg"],
            last_purchase_price_per_kg_cents=s["lastPurchasePricePerKgCents"],
            last_purchase_ts_utc=_ms(s["lastPurchaseAt"]),
            last_given_ts_utc=_ms(s["lastGivenAt"]),
        )

    def _event(self, event_id: str, fields: str) -> dict[str, Any]:
        query = f"query($id: ID!) {{ event(id: $id) {{ {fields} }} }}"
        event = self.client.data(query, {"id": event_id})["event"]
        assert event is not None, f"no event {event_id}"
        return event

    def event(self, event_id: str) -> Event:
        return event_from_api(self._event(event_id, EVENT_FIELDS))

    def event_animal_ids(self, event_id: str) -> list[str]:
        return self._event(event_id, "animalIds")["animalIds"]

    def revisions(self, event_id: str) -> list[dict[str, Any]]:
        found = self._event(event_id, "revisions { version tsUtc actor payload }")
        return [
            {
                "version": r["version"],
                "ts_utc": from_iso(r["tsUtc"]),
                "actor": r["actor"],
                "payload": from_api(r["payload"]),
            }
            for r in found["revisions"]
        ]

    def is_deleted(self, event_id: str) -> bool:
        return self._event(event_id, "deleted")["deleted"]

    def _egg_stats(self, location: str, ts: int, window_days: int) -> ApiEggStats:
        query = f"""
            query($id: ID!, $at: DateTime, $days: Int!) {{
              eggStats(locationId: $id, at: $at, windowDays: $days) {{ {EGG_STATS} }}
            }}
        """
        variables = {"id": self.location(location), "at": to_iso(ts), "days": window_days}
        return ApiEggStats.from_api(self.client.data(query, variables)["eggStats"])

    def egg_stats(self, location: str, *, ts: int, window_days: int = 30) -> ApiEggStats:
        return self._egg_stats(location, ts, window_days)

    def daily_eggs(self, location: str, *, ts: int, window_days: int = 30) -> list[tuple]:
        return list(self._egg_stats(location, ts, window_days).daily_eggs)

    def flock(self, location: str | None, *, ts: int, window_days: int = 30) -> dict[str, Any]:
        query = f"""
            query($id: ID, $at: DateTime, $days: Int!) {{
              flock(locationId: $id, at: $at, windowDays: $days) {{ {FLOCK} }}
            }}
        """
        place = None if location is None else self.location(location)
        variables = {"id": place, "at": to_iso(ts), "days": window_days}
        return flock_from_api(self.client.data(query, variables)["flock"])

    def daily_series(self, location: str | None, first: date, last: date) -> dict[str, list]:
        query = f"""
            query($id: ID, $from: Date!, $to: Date!) {{
              dailySeries(locationId: $id, from: $from, to: $to) {{ {SERIES} }}
            }}
        """
        place = None if location is None else self.location(location)
        variables = {"id": place, "from": first.isoformat(), "to": last.isoformat()}
        return series_from_api(self.client.data(query, variables)["dailySeries"])

    # -- the scenario steps ----------------------------------------------------------------

    def create_cohort(
        self,
        location: str,
        count: int,
        *,
        ts: int,
        sex="unknown",
        life_stage="adult",
        species="duck",
    ) -> list[str]:
        input = {
            "species": species,
            "count": count,
            "lifeStage": life_stage.upper(),
            "sex": sex.upper(),
            "locationId": self.location(location),
            "tsUtc": to_iso(ts),
        }
        result = self._run("createCohort", input, "... on CohortCreated { animalIds }")
        self._done(event_from_api(result["event"]))
        return result["animalIds"]

    def buy_feed(
        self, feed_type: str, *, bags: int, bag_price_cents: int, ts: int, bag_size_kg=None
    ) -> Event:
        input = {
            "feedTypeCode": feed_type,
            "bagsCount": bags,
            "bagPriceCents": bag_price_cents,
            "bagSizeKg": bag_size_kg,
            "tsUtc": to_iso(ts),
        }
        return self._step("purchaseFeed", input)

    def give_feed(self, location: str, feed_type: str, kg, *, ts: int) -> Event:
        input = {
            "locationId": self.location(location),
            "feedTypeCode": feed_type,
            "amountKg": kg,
            "tsUtc": to_iso(ts),
        }
        return self._step("giveFeed", input)

    def collect(
        self, location: str, product: str, quantity, *, ts: int, resolved_ids=None
    ) -> Event:
        input = {
            "locationId": self.location(location),
            "productCode": product,
            "quantity": str(quantity),
            "tsUtc": to_iso(ts),
        }
        if resolved_ids is not None:  # producers named by the client, hashed with the place
            filter = "id:" + "|".join(resolved_ids)
            seen = self.client.selection(filter, at=to_iso(ts), locationId=input["locationId"])
            input |= {"filter": filter, "resolvedIds": seen["animalIds"]}
            input["rosterHash"] = seen["rosterHash"]
        return self._step("collectProduct", input)

    def sell(self, product: str, quantity, total_price_cents: int, *, ts: int) -> Event:
        input = {
            "productCode": product,
            "quantity": str(quantity),
            "totalPriceCents": total_price_cents,
            "tsUtc": to_iso(ts),
        }
        return self._step("sellProduct", input)

    def move(self, animal_ids: list[str], to_location: str, *, ts: int) -> Event:
        input = {**self._selected(animal_ids, ts), "toLocationId": self.location(to_location)}
        return self._step("moveAnimals", input)

    def update_attributes(self, animal_ids: list[str], *, ts: int, **values) -> Event:
        names = {"sex": "sex", "life_stage": "lifeStage", "repro_status": "reproStatus"}
        attributes = {names[k]: v.upper() for k, v in values.items()}
        return self._step("updateAttributes", {**self._selected(animal_ids, ts), **attributes})

    def record_loss(self, animal_ids: list[str], *, ts: int, outcome: str = "death") -> Event:
        input = {**self._selected(animal_ids, ts), "outcome": outcome.upper()}
        return self._step("recordOutcome", input)

    def harvest(self, animal_ids: list[str], *, ts: int, yields: dict[str, str]) -> Event:
        items = [{"productCode": code, "quantity": qty} for code, qty in yields.items()]
        input = {**self._selected(animal_ids, ts), "outcome": "HARVEST", "yieldItems": items}
        return self._step("recordOutcome", input)

    def edit(
        self,
        event_id: str,
        *,
        payload=None,
        ts: int | None = None,
        expected_version=None,
        admin: bool = False,
    ) -> Event:
        input = {
            "eventId": event_id,
            "payload": None if payload is None else to_api(payload),
            "tsUtc": None if ts is None else to_iso(ts),
            "expectedVersion": expected_version,
        }
        return event_from_api(self._run("editEvent", input, admin=admin)["event"])

    def delete(
        self,
        event_id: str,
        *,
        reason: str = "recorded by mistake",
        cascade: bool = False,
        dry_run: bool = False,
        admin: bool = False,
    ) -> list[str]:
        input = {"eventId": event_id, "reason": reason, "cascade": cascade, "dryRun": dry_run}
        more = "... on EventDeleted { tombstonedEventIds }"
        return self._run("deleteEvent", input, more, admin=admin)["tombstonedEventIds"]
