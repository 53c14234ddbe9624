"""Where the CPU went during a phase of the load: the server's processes, the clients, the machine.

The load is sized from the floor, so whether the mix fits at the floor's rate is a question of
CPU: if the floor already keeps the machine mostly busy, a mix whose operations cost more than
`giveFeed` cannot fit beside it, however the server arranges its work. The report says so with
figures instead of leaving it to be guessed from latencies.

Read from Linux's `/proc` (the machines this runs on); elsewhere `measure` yields None.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass
class CpuUse:
    """CPU over one phase: what share of all cores was busy, and how many cores' worth the
    server's processes and the clients (this process) used."""

    seconds: float = 0.0
    machine_busy: float = 0.0  # 0..1 of all cores
    server_cores: float = 0.0
    client_cores: float = 0.0

    def figures(self, operations: int) -> dict:
        """Rounded figures, with the server's CPU per operation of the phase."""
        per_op = self.server_cores * self.seconds / operations if operations else None
        return {
            "machine_busy_pct": round(100 * self.machine_busy),
            "server_cores": round(self.server_cores, 2),
            "client_cores": round(self.client_cores, 2),
            "server_ms_per_operation": per_op and round(1000 * per_op, 2),
        }


def _machine() -> tuple[int, int]:
    """(all ticks, idle ticks) of every core since boot."""
    ticks = [int(t) for t in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]  # idle + iowait


def _group_seconds(group: int) -> float:
    """CPU seconds used so far by the live processes of process group `group`."""
    total = 0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def measure(server_group: int) -> Iterator[CpuUse | None]:
    """Measure the block; the `CpuUse` yielded is filled in when the block ends."""
    if not (PROC / "stat").exists():
        yield None
        return
    use = CpuUse()
    all0, idle0 = _machine()
    server0, client0, start = _group_seconds(server_group), _own_seconds(), time.monotonic()
    yield use
    all1, idle1 = _machine()
    use.seconds = time.monotonic() - start
    use.machine_busy = 1 - (idle1 - idle0) / max(1, all1 - all0)
    use.server_cores = (_group_seconds(server_group) - server0) / use.seconds
    use.client_cores = (_own_seconds() - client0) / use.seconds
