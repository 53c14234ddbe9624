"""`make bench` in miniature (SPEC §17): a 5 000-event history, every benchmark a few times.

The run builds its history in a temporary folder (never `.bench/`), serves it over HTTP on
127.0.0.1, and must measure every figure. The generated history must also pass the services'
own rules when re-checked event by event, since the generator itself skips them.
"""

from __future__ import annotations

import io
import json

from rich.console import Console

from bench import suite
from bench.__main__ import SMOKE_ANIMALS, SMOKE_EVENTS, run_bench
from bench.check import check_history


def test_smoke_run_measures_every_figure_and_writes_them(tmp_path):
    out = tmp_path / "results.json"
    results = run_bench(
        events=SMOKE_EVENTS,
        animals=SMOKE_ANIMALS,
        seed=1,
        cache_dir=tmp_path,
        repeats=suite.SMOKE,
        console=Console(file=io.StringIO(), width=120),
        out=out,
    )

    assert json.loads(out.read_text()) == results
    assert list(results["figures"]) == list(suite.FIGURE_KEYS)
    for key, figure in results["figures"].items():
        assert figure["n"] > 0, key
        assert 0 < figure["median_ms"] <= figure["p99_ms"], key
    assert set(results["overhead"]) == set(suite.OVERHEAD_KEYS)
    for overhead in results["overhead"].values():
        assert overhead["ratio"] > 0
    tools = results["tools"]
    assert set(tools) == {
        "floor",
        "verify",
        "rebuild",
        "rebuild beside writers",
        "replay",
        "peak_rss_mib",
        "targets",
    }
    assert tools["rebuild beside writers"]["writes"] > 0
    assert tools["targets"]["verify clean"]
    assert all(tools[k]["seconds"] > 0 for k in ("floor", "verify", "rebuild", "replay"))
    moved = results["transfer"]
    assert moved["export"]["events_per_s"] > 0 and moved["backup"]["mib"] > 0
    assert moved["import"]["events_per_s"] > 0 and moved["targets"]["import verified clean"]
    history = results["history"]
    assert history["events"] == SMOKE_EVENTS
    assert history["animals"] == SMOKE_ANIMALS
    assert history["db_bytes"] > 0

    assert check_history(history["path"]) == SMOKE_EVENTS + 8  # and the 8 seed locations
