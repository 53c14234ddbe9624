"""The server under load: `animaltrack serve` in a process of its own, so the clients never
share its interpreter and a fault run can kill it with SIGKILL like a power cut."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.server import admin_token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`animaltrack --db DB serve --port P [--workers N]` (tokens only, not `--dev`), its log in
    a file; without `workers`, as many processes as `serve` runs by default. The server's
    processes form a session of their own, so a kill takes them all."""

    def __init__(self, db_path: Path, log_path: Path, workers: int | None = None):
        self.db_path, self.log_path = Path(db_path), Path(log_path)
        self.workers = workers
        self.port = free_port()
        self.token = admin_token(self.db_path)
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def start(self, timeout_s: float = 30) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - the child keeps it; closed on stop
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.cli", "--db", str(self.db_path), "serve"]
            + ["--port", str(self.port)]
            + ([] if self.workers is None else ["--workers", str(self.workers)]),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "ANIMALTRACK_LOG_FORMAT": "text"},
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = "\n".join(self.log_text().splitlines()[-15:])
                raise RuntimeError(f"the server exited; the end of {self.log_path}:\n{tail}")
            try:
                httpx.get(self.url, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout_s} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL to every process of the server: no shutdown, no checkpoint — as if the
        power went."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
