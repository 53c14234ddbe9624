"""`make load` in miniature (issue 12): a 30-day farm served by a real `animaltrack serve`
process, a short floor, a few seconds of the open-loop mix with a live subscription, and a
fault run with two kill -9. Timing targets need a quiet machine and a year of history, so only
the checks that must hold anywhere are asserted: what the clients were told is what the log
holds, nothing overlaps, stale hashes never move, no 500, `verify` clean after every kill."""

from __future__ import annotations

import argparse

from bench.load.__main__ import run

CORRECTNESS = (
    "stale hashes never move",
    "no HTTP 500",
    "every acknowledged event once",
    "no overlapping intervals",
    "verify clean",
    "no traceback in the server log",
)


def test_a_short_load_and_fault_run_keep_every_promise(tmp_path):
    args = argparse.Namespace(
        seconds=4,
        floor_seconds=2,
        share=0.6,
        fault_seconds=6,
        kills=2,
        days=30,
        flock=20,
        seed=3,
        workers=None,
        cache=str(tmp_path / "cache"),
        work=str(tmp_path),
    )
    results = run(args)

    load = results["load"]
    assert results["floor"]["acknowledged_per_s"] > 0
    assert load["operations"]["collectProduct"]["n"] > 0
    assert load["subscription_delivered"] > 0
    for phase in ("floor", "load"):  # the server's processes did the work, and were measured
        use = results["cpu"][phase]
        assert use["server_cores"] > 0 and use["server_ms_per_operation"] > 0, use
        assert 0 < use["machine_busy_pct"] <= 100, use
    for target in CORRECTNESS:
        assert results["targets"][target], (target, results["checks"])
    assert all(results["faults"]["targets"].values()), results["faults"]
    assert len(results["faults"]["kills"]) == 2
