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
from schema import docs
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


@strawberry.type(
    description="An animal recorded twice and merged into this one: its id now stands for this"
    " animal."
)
class AnimalAlias:
    alias_id: strawberry.ID = strawberry.field(description="The id of the merged animal.")
    merged_at: DateTime = strawberry.field(description="When the merge took effect (UTC).")
    event_id: strawberry.ID = strawberry.field(description="The mergeAnimals event.")


@strawberry.type(
    description="One animal, as it is now or as it was at `at`; every attribute below is read"
    " at that instant."
)
class Animal:
    id: strawberry.ID = strawberry.field(description="The animal's id (a 26-character ULID).")
    species_code: str = strawberry.field(description="Its species code, such as duck.")
    sex: Sex = strawberry.field(description="Its sex.")
    life_stage: LifeStage = strawberry.field(description="Its life stage.")
    repro_status: ReproStatus = strawberry.field(description="Its reproductive status.")
    status: AnimalStatus = strawberry.field(description="Alive, or how it left the flock.")
    origin: Origin = strawberry.field(description="Where it came from.")
    identified: bool = strawberry.field(
        description="Whether it has been promoted to a named individual (promoteAnimal)."
    )
    nickname: str | None = strawberry.field(description="Its nickname; null until it is promoted.")
    tags: list[str] = strawberry.field(
        description="Tags active at `at` (or now), normalised; empty for an animal no longer"
        " alive when no `at` is given."
    )
    created_at: DateTime = strawberry.field(
        description="When it came into the records: the time of the cohort or hatch (UTC)."
    )
    location_id: strawberry.ID | None = strawberry.field(
        description="Where it is (an animal no longer alive: where it last was)."
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

    @strawberry.field(description="Its species.")
    def species(self, info: strawberry.Info) -> Species:
        return Species.from_row(info.context.loaders.species.load(self.species_code))

    @strawberry.field(description="The location of `locationId`.")
    def location(self, info: strawberry.Info) -> LocationType | None:
        return _location(info, self.location_id)

    @strawberry.field(
        description="Where the animal was at `at`: the location it was in then, or for an"
        " animal no longer alive then, where it last was; null before it existed."
    )
    def location_at(
        self,
        info: strawberry.Info,
        at: Annotated[DateTime, strawberry.argument(description="The instant to look at.")],
    ) -> LocationType | None:
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
        first: Annotated[int | None, strawberry.argument(description=docs.FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=docs.AFTER)] = None,
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


@strawberry.type(description="One animal of a page, with its cursor.")
class AnimalEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this animal.")
    node: Animal = strawberry.field(description="The animal.")


_COUNT = "How many of the matching animals."


@strawberry.type(description="How many matching animals are at one location.")
class LocationCount:
    location_id: strawberry.ID = strawberry.field(
        description="The location (for an animal no longer alive: where it last was)."
    )
    count: int = strawberry.field(description=_COUNT)

    @strawberry.field(description="The location of `locationId`.")
    def location(self, info: strawberry.Info) -> LocationType | None:
        return _location(info, self.location_id)


@strawberry.type(description="How many matching animals are of one species.")
class SpeciesCount:
    species_code: str = strawberry.field(description="The species code.")
    count: int = strawberry.field(description=_COUNT)


@strawberry.type(description="How many matching animals are of one sex.")
class SexCount:
    sex: Sex = strawberry.field(description="The sex.")
    count: int = strawberry.field(description=_COUNT)


@strawberry.type(description="How many matching animals are at one life stage.")
class LifeStageCount:
    life_stage: LifeStage = strawberry.field(description="The life stage.")
    count: int = strawberry.field(description=_COUNT)


@strawberry.type(
    description="Roster counts of all matching animals (not just this page) at the list's"
    " instant, largest count first."
)
class AnimalFacets:
    location: list[LocationCount] = strawberry.field(description="Counts by location.")
    species: list[SpeciesCount] = strawberry.field(description="Counts by species.")
    sex: list[SexCount] = strawberry.field(description="Counts by sex.")
    life_stage: list[LifeStageCount] = strawberry.field(description="Counts by life stage.")


@strawberry.type(
    description="A page of animals, in id order, with the count, hash and facets of all the"
    " matching animals."
)
class AnimalConnection:
    edges: list[AnimalEdge] = strawberry.field(description="The animals of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page lies in the list.")
    total_count: int = strawberry.field(
        description="How many animals match in all, across every page."
    )
    roster_hash: str = strawberry.field(
        description="A fingerprint of the ids of every matching animal (16 hex digits); it"
        " changes whenever the set changes. Hashed with no location, so it equals the"
        " `selection` query's hash only when that one names no location."
    )
    at: DateTime = strawberry.field(description="The instant the list describes (UTC).")
    _all_ids: strawberry.Private[list[str]]

    @strawberry.field(description="The animals of this page, without cursors.")
    def nodes(self) -> list[Animal]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="Counts of all matching animals by location, species, sex and life stage."
    )
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


@strawberry.type(
    description="The animals a filter selects, as a selection mutation will check them: send"
    " `filter`, `animalIds` (as `resolvedIds`) and `rosterHash` with the mutation."
)
class Selection:
    filter: str = strawberry.field(description="The filter, as given.")
    animal_ids: list[strawberry.ID] = strawberry.field(
        description="Every selected animal's id, in ascending order (not paged)."
    )
    count: int = strawberry.field(description="How many animals are selected.")
    roster_hash: str = strawberry.field(
        description="A fingerprint (16 hex digits) of the selected ids together with the"
        " location asked for (`fromLocationId` or `locationId`, else none), computed exactly as"
        " the mutation will compute it."
    )
    at: DateTime = strawberry.field(description="The instant the filter was resolved at (UTC).")
