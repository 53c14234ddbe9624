"""Projections: read models kept in step with the log (SPEC §6).

`default_registry(db)` registers every projection in the order they depend on nothing but the log.
"""

from animaltrack.projections.base import Projection, ProjectionRegistry

__all__ = ["Projection", "ProjectionRegistry", "default_registry"]


def default_registry(db, only=None, tables=None) -> ProjectionRegistry:
    """A registry with every projection of SPEC §6.1 — or with those named in `only` and the
    projections whose tables they read (`DEPENDS_ON`), in the same order — writing to the
    tables `tables` maps their names to (default: the names themselves)."""
    from animaltrack.projections.animal_registry import AnimalRegistryProjection
    from animaltrack.projections.bird_time import BirdTimeProjection
    from animaltrack.projections.event_animals import EventAnimalsProjection
    from animaltrack.projections.event_log import EventLogProjection
    from animaltrack.projections.feed import FeedInventoryProjection
    from animaltrack.projections.intervals import IntervalProjection
    from animaltrack.projections.locations import LocationProjection
    from animaltrack.projections.products import ProductsProjection
    from animaltrack.projections.tags import TagProjection

    classes = (
        LocationProjection,
        AnimalRegistryProjection,
        IntervalProjection,
        TagProjection,
        EventAnimalsProjection,
        EventLogProjection,
        ProductsProjection,
        FeedInventoryProjection,
        BirdTimeProjection,
    )
    if only is not None:
        classes = _with_dependencies(classes, set(only))
    registry = ProjectionRegistry()
    for cls in classes:
        registry.register(cls(db, tables))
    return registry


def projection_names() -> list[str]:
    return [p.NAME for p in default_registry(None)]


def _with_dependencies(classes, wanted: set[str]):
    unknown = wanted - {cls.NAME for cls in classes}
    if unknown:
        known = ", ".join(cls.NAME for cls in classes)
        raise ValueError(f"No projection called {', '.join(sorted(unknown))}; there are {known}.")
    owner = {table: cls.NAME for cls in classes for table in cls.TABLES}
    changed = True
    while changed:
        needed = {owner[t] for cls in classes if cls.NAME in wanted for t in cls.DEPENDS_ON}
        changed = not needed <= wanted
        wanted |= needed
    return tuple(cls for cls in classes if cls.NAME in wanted)
