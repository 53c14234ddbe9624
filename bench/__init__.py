"""Benchmarks of AnimalTrack on a generated history (`make bench`, SPEC §17).

`bench.generate` writes a seeded, valid-by-construction farm history (reused by `simulate`);
`bench.history` caches it under `.bench/`; `bench.suite` times the queries, an edit and the
HTTP API against it; `python -m bench` prints the figures and writes them as JSON.
"""
