"""`backup --out FILE`: a consistent copy of a live database while the server writes (SPEC §14).

**Why `VACUUM INTO` and not SQLite's online backup API.** The backup API copies pages in steps,
and a write by any other connection between two steps restarts the copy from the first page: beside
a server recording a command every few hundred milliseconds, a large file may never finish.
Copied in one step instead, it gives no progress and no way to stop it. `VACUUM INTO` reads the
whole database inside one read transaction — one snapshot, which in WAL mode never blocks the
writers and is never restarted by them — so the copy holds every write committed before it began
and none after. It writes a standalone, compacted file in rollback-journal mode: there is no
`-wal` to carry along, and `store.connect` turns the restored file back to WAL on first open.

The copy goes to `FILE.partial-<pid>` beside FILE (created 0600 before SQLite writes into it,
so the farm's records are never readable by others, even half-written), is synced to disk
(`VACUUM INTO` does not sync its output), passes `PRAGMA integrity_check`, and is then linked
into place: FILE appears whole or not at all. Ctrl-C or any failure removes the partial file. A
kill -9 leaves only `FILE.partial-<pid>` (and its `-journal`), never FILE; the next backup to
the same FILE removes the partial files whose process is gone.

`VACUUM INTO` has no progress callback, so a SQLite progress handler, called every few thousand
virtual-machine steps, reports the partial file's size against the source's used pages. The
handler also lets Ctrl-C stop the copy: Python runs its signal handlers only between bytecodes,
never while SQLite holds the thread, so without it Ctrl-C would wait for the end of the copy.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from store.files import private_file

Progress = Callable[[str, int, int], None]

MIB = 1024 * 1024
HANDLER_STEPS = 10_000  # VM instructions between two calls of the progress handler
REPORT_EVERY_S = 0.1


class BackupFailed(Exception):
    """The copy failed its integrity check; nothing was written at FILE."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    bytes: int
    seconds: float


def partial_name(out: Path) -> Path:
    """The temporary file a backup to `out` writes first (beside it: the rename stays on one
    file system)."""
    return out.with_name(f"{out.name}.partial-{os.getpid()}")


def backup(
    db: sqlite_utils.Database, out: str | Path, *, progress: Progress | None = None
) -> BackupSummary:
    """Copy the database `db` to the new file `out` (refused when it exists), as described above.

    The database is copied as it is: no migration first, since a backup is what an operator
    takes before running one.
    """
    started = time.perf_counter()
    out = Path(out)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"There is no folder {out.parent} to write the backup in.")
    remove_leftovers(out)
    if out.exists() or out.is_symlink():
        raise FileExistsError(f"{out} already exists; choose a new file.")
    partial = partial_name(out)
    for leftover in (partial, Path(f"{partial}-journal")):  # of an earlier process with our pid
        leftover.unlink(missing_ok=True)
    private_file(partial)
    try:
        report = progress or (lambda *_: None)
        _vacuum_into(db, partial, report)
        _check(partial, report)
        _sync(partial)
        _move_into_place(partial, out)
    except BaseException:  # Ctrl-C included: nothing half-made stays behind
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    _sync_folder(out.parent)
    return BackupSummary(out, out.stat().st_size, time.perf_counter() - started)


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the partial files of earlier backups to `out` whose process is gone (kill -9,
    power loss), with the rollback journal SQLite keeps beside one while writing it; a running
    backup's files are left alone. Return the files removed."""
    name = re.compile(re.escape(out.name) + r"\.partial-(\d+)(-journal)?")
    removed = []
    for path in sorted(out.parent.glob(f"{out.name}.partial-*")):
        found = name.fullmatch(path.name)
        if found and not _alive(int(found[1])):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _vacuum_into(db: sqlite_utils.Database, partial: Path, report: Progress) -> None:
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    total = max(1, -(-(pages - free) * page_size // MIB))  # MiB, rounded up
    last = 0.0

    def tick() -> None:  # must not raise: the sqlite3 module would swallow it
        nonlocal last
        now = time.monotonic()
        if now - last >= REPORT_EVERY_S:
            last = now
            with contextlib.suppress(OSError):
                report("copy", min(total, partial.stat().st_size // MIB), total)

    with _interruptible(db.conn, tick):
        db.execute("VACUUM INTO ?", [str(partial)])
    report("copy", total, total)


def _check(partial: Path, report: Progress) -> None:
    """`PRAGMA integrity_check` on the copy, opened read-only (it is in rollback-journal mode,
    so opening it makes no `-wal` or `-shm` beside it). It gives no measure of how far it got,
    so its phase shows only that it runs (and, on a terminal, for how long); on a large file it
    takes longer than the copy."""
    size = max(1, -(-partial.stat().st_size // MIB))
    report("check", 0, size)
    conn = sqlite3.connect(f"file:{partial}?mode=ro", uri=True)
    try:
        with _interruptible(conn):
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    report("check", size, size)
    if problems != ["ok"]:
        raise BackupFailed(f"The copy failed PRAGMA integrity_check: {problems[0]}")


@contextlib.contextmanager
def _interruptible(conn: sqlite3.Connection, tick: Callable[[], None] = lambda: None) -> Iterator:
    """Run the block's statement with `tick` called every few thousand VM steps, and Ctrl-C
    honoured. Python runs a signal handler only between bytecodes, here inside the progress
    handler; a KeyboardInterrupt raised there would be swallowed by the sqlite3 module (the
    statement just fails with "interrupted"), so while the statement runs Ctrl-C only sets a
    flag, the progress handler stops the statement, and KeyboardInterrupt is raised after.
    Where Ctrl-C is not ours to catch (another thread, SIGINT ignored), it is left alone."""
    stop = False

    def on_sigint(signum, frame) -> None:
        nonlocal stop
        stop = True

    def handler() -> int:
        tick()
        return 1 if stop else 0  # non-zero: SQLite abandons the statement

    ours = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if ours:
        signal.signal(signal.SIGINT, on_sigint)
    conn.set_progress_handler(handler, HANDLER_STEPS)
    try:
        yield
    except sqlite3.OperationalError:
        if stop:
            raise KeyboardInterrupt from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if stop:  # Ctrl-C in the last steps, after SQLite's last call of the handler
        raise KeyboardInterrupt


def _sync(path: Path) -> None:
    """`VACUUM INTO` does not sync its output: without this, a power cut just after the rename
    could leave FILE named but empty."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(partial: Path, out: Path) -> None:
    """Give the finished copy its name. A hard link, then removing the partial name: unlike a
    rename, the link refuses a FILE that appeared while we copied instead of replacing it. On a
    file system without hard links, a rename after one more look."""
    try:
        os.link(partial, out)
    except FileExistsError:
        raise FileExistsError(f"{out} already exists; choose a new file.") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if out.exists():
            raise FileExistsError(f"{out} already exists; choose a new file.") from None
        os.rename(partial, out)
        return
    partial.unlink()
