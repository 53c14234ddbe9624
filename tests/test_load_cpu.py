"""`bench.load.cpu` counts the CPU of the server's process group, the clients' process and
the machine: checked against real processes that spin for a known time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bench.load import cpu

# Spin `s` seconds of CPU, say so, then stay alive (a server's processes outlive the phase).
SPIN = (
    "import sys, time\n"
    "end = time.process_time() + {s}\n"
    "while time.process_time() < end: pass\n"
    "print('spun', flush=True)\n"
    "time.sleep(60)\n"
)
# A server of two processes: a parent that starts a child, and both spin.
SERVER = (
    "import subprocess, sys\n"
    f"subprocess.Popen([sys.executable, '-c', {SPIN.format(s=0.4)!r}])\n" + SPIN.format(s=0.4)
)


def test_the_server_group_and_the_clients_are_measured_apart():
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        with cpu.measure(server.pid) as use:
            assert [server.stdout.readline() for _ in range(2)] == ["spun\n"] * 2
            end = time.process_time() + 0.3  # the clients' share, spun here
            while time.process_time() < end:
                pass
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        server.stdout.close()
    assert 0.7 <= use.server_cores * use.seconds <= 1.2, use  # 0.8 s, and start-up
    assert 0.28 <= use.client_cores * use.seconds <= 0.5, use
    assert 0 < use.machine_busy <= 1
    figures = use.figures(operations=10)
    assert figures["server_ms_per_operation"] == round(100 * use.server_cores * use.seconds, 2)
