"""`animaltrack serve --workers N`: N server processes, each accepting on a socket of its own.

uvicorn's own supervisor hands one listening socket to all of its workers, and the worker that
wakes first takes every connection waiting. The load's 32 connections, opened within a tenth of
a second, went six to one to a single process, which then did most of the work on one core
while the other idled. Here every worker binds a socket of its own to the address with
`SO_REUSEPORT`, and the kernel spreads new connections across them by their addresses. The
supervisor binds the address first without listening, once it has found no other socket there
(`_claim`): it holds the port (and learns it, when asked for port 0) but is handed no
connection. It then starts the writer process, which runs every worker's mutations
(`resolvers/writer.py`), and the workers; waits until each one serves; replaces one that dies;
and stops them all on Ctrl-C or SIGTERM, the workers first. Each also stops when the supervisor
dies, even by kill -9, so none is left serving on its own.

Each process is started afresh (multiprocessing's "spawn") and builds its app from the settings
`serve` put in the environment (`resolvers.app.worker_app`, `resolvers.app.writer_process`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

import uvicorn

from resolvers.writer import WriterAddress

BACKLOG = 2048
# How long a worker may take to start serving (imports, the app, its first connection).
READY_TIMEOUT_S = 60
# How often the supervisor looks for a worker that died.
WATCH_S = 0.5
STOP_TIMEOUT_S = 15
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
# What `ps` shows for them (at most 15 bytes).
WORKER_NAME = "atrack-worker"
WRITER_NAME = "atrack-writer"

log = logging.getLogger("animaltrack.serve")


class CannotServe(ValueError):
    """Serving could not start; the message says why (the command line shows it as one line,
    like a wrong setting)."""


def address_socket(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A TCP socket bound to `host:port`; `shared`, with the others of the group."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _claim(host: str, port: int) -> socket.socket:
    """The supervisor's hold on the address. It binds alone first: any socket already bound
    there — another server's, even one sharing its own address with SO_REUSEPORT — makes that
    fail, where a shared bind would silently join it and split the clients between two
    servers. Then it binds again, shared, for its workers to join."""
    with address_socket(host, port, shared=False) as alone:
        port = alone.getsockname()[1]
    return address_socket(host, port)


class _ReadyServer(uvicorn.Server):
    """uvicorn.Server that tells the supervisor, over a pipe, once it serves."""

    def __init__(self, config: uvicorn.Config, ready: Connection) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            with contextlib.suppress(OSError):  # a replacement's supervisor does not wait
                self.ready.send(True)
            self.ready.close()


def _prepare_child(name: str) -> None:
    """Have the kernel send SIGTERM to this process when the supervisor dies, and name it as
    `ps` and `top` show it (Linux; elsewhere, nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        libc.prctl(_PR_SET_NAME, name.encode()[:15])


def _worker(host: str, port: int, ready: Connection, writer: WriterAddress) -> None:
    """One worker process: a socket of its own on the address, the app from the environment."""
    _prepare_child(WORKER_NAME)
    from resolvers.app import uvicorn_config, worker_app  # here: resolvers.app imports this module

    sock = address_socket(host, port)
    sock.listen(BACKLOG)
    _ReadyServer(uvicorn_config(worker_app(writer), host, port), ready).run(sockets=[sock])


def _writer(ready: Connection, writer: WriterAddress) -> None:
    """The writer process; Ctrl-C reaches the whole process group, but the supervisor stops
    the writer itself, after the workers have finished what they serve."""
    _prepare_child(WRITER_NAME)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from resolvers.app import writer_process

    writer_process(writer, ready)


class Supervisor:
    """Start `count` workers on `host:port`, keep them running, stop them on a signal."""

    def __init__(self, count: int, host: str, port: int) -> None:
        self.count = count
        self.host = host
        try:
            self._holder = _claim(host, port)
        except OSError as error:
            raise CannotServe(f"Cannot listen on {host}:{port}: {error.strerror}.") from error
        self.port = self._holder.getsockname()[1]
        self._spawn = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._writer_address = WriterAddress.new()
        self._writer: multiprocessing.process.BaseProcess | None = None
        self._workers: list[multiprocessing.process.BaseProcess] = []

    def run(self, on_ready: Callable[[int], None]) -> None:
        """Serve until Ctrl-C or SIGTERM; `on_ready(port)` once every worker serves."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self._stopping.set())
        try:
            # All at once: a worker waits for the writer at its first mutation, if need be.
            started = [self._start_writer()] + [self._start() for _ in range(self.count)]
            for worker, ready in started:
                if not self._wait_ready(worker, ready) and not self._stopping.is_set():
                    raise CannotServe("A server process did not start; the lines above say why.")
            if self._stopping.is_set():
                return
            on_ready(self.port)
            while not self._stopping.wait(WATCH_S):
                self._replace_the_dead()
        finally:
            self._stop_all()
            self._holder.close()

    def _start(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        worker, ready = self._spawn_process(_worker, WORKER_NAME, self.host, self.port)
        self._workers.append(worker)
        return worker, ready

    def _start_writer(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        self._writer, ready = self._spawn_process(_writer, WRITER_NAME)
        return self._writer, ready

    def _spawn_process(
        self, target, name: str, *args
    ) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        ready, told = self._spawn.Pipe(duplex=False)
        process = self._spawn.Process(
            target=target, args=(*args, told, self._writer_address), name=name
        )
        process.start()
        told.close()  # the process holds its end
        return process, ready

    def _wait_ready(self, worker, ready: Connection) -> bool:
        waited = 0.0
        while waited < READY_TIMEOUT_S and not self._stopping.is_set():
            if ready.poll(WATCH_S):
                ready.close()
                return True
            if not worker.is_alive():
                return False
            waited += WATCH_S
        return False

    def _replace_the_dead(self) -> None:
        """A process that ended by itself — not a clean stop — is replaced. The workers reach a
        new writer at the same address with their next mutation."""
        writer = self._writer
        if writer is not None and not writer.is_alive() and not self._stopping.is_set():
            log.warning(
                "writer process %s ended (exit %s); starting another", writer.pid, writer.exitcode
            )
            _, ready = self._start_writer()
            ready.close()
        for worker in list(self._workers):
            if worker.is_alive() or worker.exitcode == 0 or self._stopping.is_set():
                continue
            log.warning(
                "server process %s ended (exit %s); starting another", worker.pid, worker.exitcode
            )
            self._workers.remove(worker)
            _, ready = self._start()
            ready.close()

    def _stop_all(self) -> None:
        """The workers first (uvicorn finishes what it serves, which may need the writer),
        then the writer."""
        self._stop(self._workers)
        if self._writer is not None:
            self._stop([self._writer])

    @staticmethod
    def _stop(processes: list[multiprocessing.process.BaseProcess]) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM
        for process in processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
