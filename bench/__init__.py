"""Benchmarks of AnimalTrack on a generated history (`make bench`, SPEC §17).

`animaltrack.simulation` writes a seeded farm history (the one `simulate` writes, by size);
`bench.history` caches it under `.bench/`; `bench.suite` times the queries, an edit and the
HTTP API against it; `python -m bench` prints the figures and writes them as JSON.
"""
