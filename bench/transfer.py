"""History in and out on the benchmark history (SPEC §14, `make bench`): `export`, `import`
(its closing `verify` timed apart) and `backup`, each run as the `animaltrack` command in a
process of its own, so each figure carries that process's own peak RSS.

Targets (issue 10): import ≥ 10 000 events/s with validation, the closing verify reported
separately; import's peak RSS < 1 GiB.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

IMPORT_EVENTS_PER_S = 10_000
PEAK_RSS_MIB = 1024

_IMPORTED = re.compile(r"in ([\d.]+) s \(([\d,]+) events/s\); verify: (\w+) in ([\d.]+) s")


def bench_transfer(history: Path, work: Path, events: int) -> dict[str, dict]:
    """Export `history`, import the file into a new database, back `history` up; return the
    figures (seconds, events/s, peak RSS in MiB). Files are made in `work`'s folder and removed."""
    folder = work.parent
    file, target, backup = folder / "export.ndjson", folder / "import.db", folder / "backup.db"
    _remove(file, target, backup)
    try:
        seconds, rss, _ = _command("--db", history, "export", "--out", file)
        figures = {
            "export": {
                "seconds": seconds,
                "events_per_s": round(events / seconds),
                "peak_rss_mib": rss,
                "mib": file.stat().st_size // 2**20,
            }
        }
        seconds, rss, output = _command("--db", target, "import", file)
        found = _IMPORTED.search(output)
        if found is None:
            raise RuntimeError(f"import did not report its figures: {output[-500:]}")
        figures["import"] = {
            "seconds": float(found[1]),
            "events_per_s": int(found[2].replace(",", "")),
            "peak_rss_mib": rss,
            "verify_seconds": float(found[4]),
            "verify_clean": found[3] == "clean",
            "command_seconds": seconds,
        }
        seconds, rss, _ = _command("--db", history, "backup", "--out", backup)
        figures["backup"] = {
            "seconds": seconds,
            "peak_rss_mib": rss,
            "mib": backup.stat().st_size // 2**20,
        }
    finally:
        _remove(file, target, backup)
    imported = figures["import"]
    figures["targets"] = {
        "import ≥ 10 000 events/s": imported["events_per_s"] >= IMPORT_EVENTS_PER_S,
        "import peak RSS < 1 GiB": imported["peak_rss_mib"] < PEAK_RSS_MIB,
        "import verified clean": imported["verify_clean"],
    }
    return figures


def _command(*args) -> tuple[float, int, str]:
    """Run `animaltrack ARGS`; return its seconds, its peak RSS (MiB) and its output."""
    began = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "tools.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"animaltrack {' '.join(map(str, args))} failed: {output[-500:]}")
    return seconds, usage.ru_maxrss // 1024, output


def _remove(*paths: Path) -> None:
    for path in paths:
        for extra in ("", "-wal", "-shm", ".partial"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
