"""Files that hold the farm's records are readable by their owner only (SPEC §13 Protection).

The database, its `-wal` and `-shm`, backups and exports hold every animal, sale and token hash;
on a shared machine the default 0644 would let any local account read them. The mode is set on
the open file descriptor, not through the umask: a umask can only take bits away, and one that
took the owner's write bit would leave a database SQLite cannot write.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm")


def private_file(path: str | Path) -> bool:
    """Create `path` empty and readable by its owner only, unless it exists; True if created.

    An existing file is left as it is (it may be a farm's database, or a file the caller must
    refuse to overwrite), so a caller that wants a new file checks the answer. `O_EXCL` makes
    the check and the creation one step, with no window for another process in between.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)
    return True


def make_private(path: str | Path) -> None:
    """Narrow an existing file to the owner (a file SQLite made, e.g. `-wal`); missing is fine."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, PRIVATE_MODE)


def make_sqlite_side_files_private(db_path: str | Path) -> None:
    """`-wal` and `-shm` of the database at `db_path`, which SQLite creates beside it."""
    for suffix in SQLITE_SIDE_FILES:
        make_private(f"{db_path}{suffix}")
