"""Projections: read models kept in step with the log (SPEC §6).

`default_registry(db)` registers every projection in the order they depend on nothing but the log.
"""

from animaltrack.projections.base import Projection, ProjectionRegistry

__all__ = ["Projection", "ProjectionRegistry", "default_registry"]


def default_registry(db) -> ProjectionRegistry:
    """A registry with every projection of SPEC §6.1."""
    from animaltrack.projections.animal_registry import AnimalRegistryProjection
    from animaltrack.projections.event_animals import EventAnimalsProjection
    from animaltrack.projections.event_log import EventLogProjection
    from animaltrack.projections.feed import FeedInventoryProjection
    from animaltrack.projections.intervals import IntervalProjection
    from animaltrack.projections.locations import LocationProjection
    from animaltrack.projections.products import ProductsProjection
    from animaltrack.projections.tags import TagProjection

    registry = ProjectionRegistry()
    for cls in (
        LocationProjection,
        AnimalRegistryProjection,
        IntervalProjection,
        TagProjection,
        EventAnimalsProjection,
        EventLogProjection,
        ProductsProjection,
        FeedInventoryProjection,
    ):
        registry.register(cls(db))
    return registry
