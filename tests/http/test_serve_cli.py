"""`animaltrack serve --dev` (the README's first command) end to end, in a subprocess."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading

import httpx

CLI = [sys.executable, "-c", "from tools.cli import main; main()"]


def _lines(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def test_serve_dev_says_so_creates_dev_and_serves(tmp_path):
    """Two processes by default; the address is printed once both serve, with the real port."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ANIMALTRACK_DB": str(tmp_path / "farm.db")}
    process = subprocess.Popen(
        [*CLI, "serve", "--dev", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    seen: list[str] = []
    try:
        url = None
        while url is None:  # wait for the line "serving" the address, up to 20 s per line
            line = output.get(timeout=20)
            assert line is not None, "".join(seen)
            seen.append(line)
            found = re.search(r"serving (http://127\.0\.0\.1:[1-9]\d*)/graphql", line)
            url = found and found.group(1)
        while not any("Development mode" in line for line in seen):  # the line after it
            line = output.get(timeout=10)
            assert line is not None, "".join(seen)
            seen.append(line)
        text = "".join(seen)
        assert "Development mode" in text and "'dev' (created it)" in text
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        response = httpx.post(f"{url}/graphql", json={"query": "{ me { username role } }"})
        assert response.json() == {"data": {"me": {"username": "dev", "role": "ADMIN"}}}
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        process.stdout.close()
        print("".join(seen))


def test_serve_dev_refuses_a_public_host(tmp_path):
    env = {**os.environ, "ANIMALTRACK_DB": str(tmp_path / "farm.db")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tools.cli import main; main()",
            "serve",
            "--dev",
            "--host",
            "0.0.0.0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: --dev binds to 127.0.0.1 only; drop --host 0.0.0.0 or --dev"
    )
