"""`python -m bench` (`make bench`): build or reuse a history, run the benchmarks, print a table.

    python -m bench                    # the 1 000 000-event history (cached under .bench/)
    python -m bench --events 200000    # a smaller history, for a quicker run
    python -m bench --smoke            # a 5 000-event history in a temporary folder, < 30 s
    python -m bench --rebuild          # build the cached history again

Figures are printed as a table and written as JSON (default `.bench/results.json`;
`.bench/results-smoke.json` for `--smoke`). See `bench/suite.py` for what is timed and
BENCHMARKS.md for the figures measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import suite
from bench.history import copy_database, ensure_history
from bench.tools import bench_tools
from bench.transfer import bench_transfer
from tools.progress import PhaseProgress

DEFAULT_EVENTS = 1_000_000
SMOKE_EVENTS = 5_000
SMOKE_ANIMALS = 500
DEFAULT_SEED = 1
CACHE_DIR = Path(".bench")


def machine() -> dict:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    import sqlite3

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory_gib,
        "arch": platform.machine(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def revision() -> str | None:
    """The git commit the figures were measured at, `+dirty` when the tree had changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def run_bench(
    *,
    events: int,
    animals: int | None,
    seed: int,
    cache_dir: Path,
    repeats: suite.Repeats,
    console: Console,
    out: Path | None = None,
    rebuild: bool = False,
) -> dict:
    """Build or reuse the history, run every benchmark, print the table; return the results."""
    began = time.perf_counter()
    with PhaseProgress(console) as progress:
        history = ensure_history(
            cache_dir,
            seed=seed,
            events=events,
            animals=animals,
            progress=progress,
            log=lambda line: console.print(line, highlight=False),
            rebuild=rebuild,
        )
    summary = history.summary
    figures: dict[str, dict] = {}
    console.print("Reads on the history …", highlight=False)
    figures |= suite.bench_reads(history.path, summary, repeats)
    work = cache_dir / "work.db"
    console.print(f"Copying the history to {work} …", highlight=False)
    copy_database(history.path, work)
    console.print("Editing a deep egg collection …", highlight=False)
    figures |= suite.bench_edit(work, summary, repeats)
    console.print("HTTP and direct calls …", highlight=False)
    figures |= suite.bench_http(work, summary, repeats)
    figures = {key: figures[key] for key in suite.FIGURE_KEYS}
    console.print("Operator tools: floor, verify, rebuild, replay …", highlight=False)
    tools = bench_tools(history.path, work, summary)
    console.print("History in and out: export, import, backup …", highlight=False)
    transfer = bench_transfer(history.path, work, summary.events)
    results = {
        "machine": machine(),
        "revision": revision(),
        "history": {
            "path": str(history.path),
            "seed": summary.seed,
            "events": summary.events,
            "animals": summary.animals,
            "alive_at_end": summary.alive_at_end,
            "days": summary.days,
            "start_ts": summary.start_ts,
            "end_ts": summary.end_ts,
            "counts": summary.counts,
            "reused": history.reused,
            "build_seconds": history.build_seconds,
            "append_seconds": summary.append_seconds,
            "fold_seconds": summary.fold_seconds,
            "db_bytes": history.db_bytes,
        },
        "figures": figures,
        "overhead": suite.overheads(figures),
        "tools": tools,
        "transfer": transfer,
        "seconds": round(time.perf_counter() - began, 1),
    }
    print_results(console, results)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
        console.print(f"Wrote {out}", highlight=False)
    return results


def _status(met: bool | None) -> str:
    return "" if met is None else "[green]met[/]" if met else "[red]MISSED[/]"


def print_results(console: Console, results: dict) -> None:
    h = results["history"]
    console.print(
        f"History: {h['events']:,} events, {h['animals']:,} animals ({h['alive_at_end']:,} alive"
        f" at the end), {h['days']:,} days; {h['db_bytes'] / 2**20:,.0f} MiB;"
        f" built in {h['build_seconds']:,.0f} s (append {h['append_seconds']:,.0f} s,"
        f" fold {h['fold_seconds']:,.0f} s){' — reused' if h['reused'] else ''}",
        highlight=False,
    )
    table = Table(title="AnimalTrack benchmarks (ms)")
    for column in ("benchmark", "db", "n", "median", "p99", "target", ""):
        table.add_column(column, justify="left" if column in ("benchmark", "db") else "right")
    for key, f in results["figures"].items():
        target = "" if f["target_ms"] is None else f"< {f['target_ms']:g}"
        table.add_row(
            key,
            f["db"],
            str(f["n"]),
            f"{f['median_ms']:.2f}",
            f"{f['p99_ms']:.2f}",
            target,
            _status(f["met"]),
        )
    for key, o in results["overhead"].items():
        table.add_row(
            f"overhead.{key}",
            "http − direct",
            "",
            f"{o['overhead_ms']:.2f}",
            f"×{o['ratio']}",
            f"< {o['target_ms']:g}",
            _status(o["met"]),
        )
    console.print(table)
    tools = results["tools"]
    lines = [
        f"{name} {tools[name]['seconds']:,.1f} s ({tools[name]['events_per_s']:,} events/s)"
        for name in ("floor", "verify", "rebuild", "replay")
    ]
    beside = tools["rebuild beside writers"]
    console.print(
        "Tools: " + "; ".join(lines) + f"; rebuild's swap {tools['rebuild']['swap_seconds']:.2f} s;"
        f" peak RSS {tools['peak_rss_mib']['value']:,} MiB",
        highlight=False,
    )
    console.print(
        f"  rebuild beside 4 writers {beside['seconds']:,.1f} s ({beside['events_per_s']:,}"
        f" events/s): {beside['writes']} writes, {beside['errors_5xx']} 5xx,"
        f" {beside['acknowledged_missing']} lost, longest wait {beside['max_wait_ms']} ms,"
        f" p99 outside the swap {beside['p99_outside_swap_ms']} ms, swap"
        f" {beside['swap_seconds']:.2f} s ({beside['at_swap']} of {beside['caught_up']} changes"
        " folded in there)",
        highlight=False,
    )
    console.print(
        "  " + ", ".join(f"{k}: {_status(v)}" for k, v in tools["targets"].items()),
        highlight=False,
    )
    moved = results["transfer"]
    exported, imported, backup = moved["export"], moved["import"], moved["backup"]
    console.print(
        f"History in and out: export {exported['seconds']:,.1f} s ({exported['events_per_s']:,}"
        f" events/s, {exported['mib']:,} MiB, peak RSS {exported['peak_rss_mib']:,} MiB);"
        f" import {imported['seconds']:,.1f} s ({imported['events_per_s']:,} events/s, peak RSS"
        f" {imported['peak_rss_mib']:,} MiB with its closing verify of"
        f" {imported['verify_seconds']:,.1f} s); backup {backup['seconds']:,.1f} s"
        f" ({backup['mib']:,} MiB, peak RSS {backup['peak_rss_mib']:,} MiB)",
        highlight=False,
    )
    console.print(
        "  " + ", ".join(f"{k}: {_status(v)}" for k, v in moved["targets"].items()),
        highlight=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=None, help="events in the history")
    parser.add_argument("--animals", type=int, default=None, help="animals ever (events / 10)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--smoke", action="store_true", help="a tiny history, a few repetitions")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON figures")
    parser.add_argument("--rebuild", action="store_true", help="build the cached history again")
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:  # a log file: keep the table's lines whole
        console = Console(width=120)
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="animaltrack-bench-") as tmp:
            run_bench(
                events=args.events or SMOKE_EVENTS,
                animals=args.animals or SMOKE_ANIMALS,
                seed=args.seed,
                cache_dir=Path(tmp),
                repeats=suite.SMOKE,
                console=console,
                out=args.out or args.cache_dir / "results-smoke.json",
            )
        return 0
    run_bench(
        events=args.events or DEFAULT_EVENTS,
        animals=args.animals,
        seed=args.seed,
        cache_dir=args.cache_dir,
        repeats=suite.FULL,
        console=console,
        out=args.out or args.cache_dir / "results.json",
        rebuild=args.rebuild,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
