"""Animals (SPEC §5.2, §7): snapshots, the paged roster with its hash and facets, selections.

An `Animal` shows one snapshot: the latest state, or the state at the instant `at` the list was
asked for (its fields then read the interval tables at that instant, SPEC §7). Relations
(location, species, aliases, timeline) load through the request's loaders; a page tells the
loaders which keys its animals will want, so a page of 500 costs a constant number of queries.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry

from animaltrack.queries.animals import AnimalSnapshot
from animaltrack.queries.events import animal_timeline_page
from animaltrack.selection.hashing import compute_roster_hash
from schema.enums import (
    AnimalStatus,
    EventType,
    LifeStage,
    Origin,
    ReproStatus,
    Sex,
    from_domain,
)
from schema.paging import (
    PageInfo,
    PageRequest,
    animal_cursor,
    decode_animal_cursor,
    decode_event_cursor,
    page_request,
)
from schema.scalars import DateTime
from schema.types.events import EventConnection
from schema.types.reference import Species

if TYPE_CHECKING:
    from schema.types.locations import Location

LocationType = Annotated["Location", strawberry.lazy("schema.types.locations")]


def _location(info: strawberry.Info, location_id: str | None):
    from schema.types.locations import Location

    record = info.context.loaders.location.load(location_id)
    return Location.from_record(record) if record else None


@strawberry.type(description="An id merged into this animal (SPEC §5.2 AnimalMerged).")
class AnimalAlias:
    alias_id: strawberry.ID
    merged_at: DateTime
    event_id: strawberry.ID


@strawberry.type(description="One animal, as it is now or as it was at `at`.")
class Animal:
    id: strawberry.ID
    species_code: str
    sex: Sex
    life_stage: LifeStage
    repro_status: ReproStatus
    status: AnimalStatus
    origin: Origin
    identified: bool
    nickname: str | None
    tags: list[str] = strawberry.field(description="Tags active at `at` (or now).")
    created_at: DateTime
    location_id: strawberry.ID | None = strawberry.field(
        description="Where it is (a dead animal: where it last was)."
    )
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="The survivor this animal was merged into, if it was."
    )
    at: DateTime | None = strawberry.field(
        description="The instant this snapshot describes; null for the latest state."
    )

    @classmethod
    def from_snapshot(cls, snapshot: AnimalSnapshot) -> Animal:
        return cls(
            id=strawberry.ID(snapshot.animal_id),
            species_code=snapshot.species,
            sex=from_domain(Sex, snapshot.sex),
            life_stage=from_domain(LifeStage, snapshot.life_stage),
            repro_status=from_domain(ReproStatus, snapshot.repro_status),
            status=from_domain(AnimalStatus, snapshot.status),
            origin=from_domain(Origin, snapshot.origin),
            identified=snapshot.identified,
            nickname=snapshot.nickname,
            tags=list(snapshot.tags),
            created_at=snapshot.created_ts_utc,
            location_id=snapshot.location_id,
            merged_into_id=snapshot.survivor_id,
            at=snapshot.at,
        )

    @strawberry.field
    def species(self, info: strawberry.Info) -> Species:
        return Species.from_row(info.context.loaders.species.load(self.species_code))

    @strawberry.field
    def location(self, info: strawberry.Info) -> LocationType | None:
        return _location(info, self.location_id)

    @strawberry.field(description="Where the animal was at `at` (SPEC §7).")
    def location_at(self, info: strawberry.Info, at: DateTime) -> LocationType | None:
        return _location(info, info.context.loaders.location_at.load((self.id, at)))

    @strawberry.field(description="Ids merged into this animal, oldest merge first.")
    def aliases(self, info: strawberry.Info) -> list[AnimalAlias]:
        return [
            AnimalAlias(
                alias_id=strawberry.ID(a.alias_id), merged_at=a.merged_at_utc, event_id=a.event_id
            )
            for a in info.context.loaders.aliases.load(self.id) or ()
        ]

    @strawberry.field(description="Its events and its aliases' events, newest first.")
    def timeline(
        self,
        info: strawberry.Info,
        types: Annotated[
            list[EventType] | None,
            strawberry.argument(
                description="Only events of these types (all when null), e.g."
                " `[ANIMAL_MOVED, ANIMAL_TAGGED]` for a duck whose timeline is mostly egg"
                " collections. `totalCount` counts these only."
            ),
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> EventConnection:
        request = page_request(first, after)
        page = animal_timeline_page(
            info.context.db,
            self.id,
            first=request.first,
            after=decode_event_cursor(request.after),
            types=[t.value for t in types] if types is not None else None,
        )
        return EventConnection.from_page(info, page, request)


@strawberry.type
class AnimalEdge:
    cursor: str
    node: Animal


@strawberry.type
class LocationCount:
    location_id: strawberry.ID
    count: int

    @strawberry.field
    def location(self, info: strawberry.Info) -> LocationType | None:
        return _location(info, self.location_id)


@strawberry.type
class SpeciesCount:
    species_code: str
    count: int


@strawberry.type
class SexCount:
    sex: Sex
    count: int


@strawberry.type
class LifeStageCount:
    life_stage: LifeStage
    count: int


@strawberry.type(description="Roster counts of all matching animals (not just this page).")
class AnimalFacets:
    location: list[LocationCount]
    species: list[SpeciesCount]
    sex: list[SexCount]
    life_stage: list[LifeStageCount]


@strawberry.type(description="A page of animals, by id, with the hash and facets of them all.")
class AnimalConnection:
    edges: list[AnimalEdge]
    page_info: PageInfo
    total_count: int
    roster_hash: str = strawberry.field(
        description="compute_roster_hash of every matching id, with no location (SPEC §9.1)."
    )
    at: DateTime
    _all_ids: strawberry.Private[list[str]]

    @strawberry.field
    def nodes(self) -> list[Animal]:
        return [edge.node for edge in self.edges]

    @strawberry.field
    def facets(self, info: strawberry.Info) -> AnimalFacets:
        from animaltrack.queries.animals import facets_at

        facets = facets_at(info.context.db, self._all_ids, self.at)
        info.context.loaders.location.hint(value for value, _ in facets.location)
        return AnimalFacets(
            location=[LocationCount(location_id=v, count=n) for v, n in facets.location],
            species=[SpeciesCount(species_code=v, count=n) for v, n in facets.species],
            sex=[SexCount(sex=Sex(v), count=n) for v, n in facets.sex],
            life_stage=[
                LifeStageCount(life_stage=LifeStage(v), count=n) for v, n in facets.life_stage
            ],
        )

    @classmethod
    def build(
        cls, info: strawberry.Info, ids: Sequence[str], at: int, request: PageRequest
    ) -> AnimalConnection:
        """A page of `ids` (sorted ascending) as they were at `at`."""
        after = decode_animal_cursor(request.after)
        start = bisect.bisect_right(ids, after) if after is not None else 0
        page_ids = list(ids[start : start + request.first])
        loaders = info.context.loaders
        snapshots = loaders.animal_at.load_many([(animal, at) for animal in page_ids])
        nodes = [Animal.from_snapshot(s) for s in snapshots if s is not None]
        loaders.location.hint(n.location_id for n in nodes)
        loaders.aliases.hint(page_ids)
        edges = [AnimalEdge(cursor=animal_cursor(n.id), node=n) for n in nodes]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=start + request.first < len(ids),
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=len(ids),
            roster_hash=compute_roster_hash(ids),
            at=at,
            _all_ids=list(ids),
        )


@strawberry.type(description="What a client asks before a selection mutation (SPEC §9).")
class Selection:
    filter: str
    animal_ids: list[strawberry.ID]
    count: int
    roster_hash: str = strawberry.field(
        description="Hashed with the location the mutation will hash (SPEC §9.2)."
    )
    at: DateTime
