"""Simulated farm histories: seeded, realistic and valid, for `simulate`, `make demo` and the
benchmarks (`generate_history`)."""

from animaltrack.simulation.generate import (
    DEFAULT_START_TS,
    HistorySummary,
    Progress,
    SeededUlids,
    default_animals,
    generate_history,
)

__all__ = [
    "DEFAULT_START_TS",
    "HistorySummary",
    "Progress",
    "SeededUlids",
    "default_animals",
    "generate_history",
]
