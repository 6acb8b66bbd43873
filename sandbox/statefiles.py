"""Safe writes of awslab's own files: a lock per AWSLAB_HOME, and whole-file replacement."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from . import config


@contextlib.contextmanager
def home_lock(name: str):
    """An exclusive lock on AWSLAB_HOME/<name>.lock, held for the `with` block (across processes)."""
    home = config.home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def write_atomic(path: str | Path, data: str | bytes, mode: int = 0o666) -> None:
    """Write through a temporary file and rename, so readers never see half a file; fsynced (file,
    then its folder), so a power cut leaves the old or the new file, never an empty one. The file is
    created with `mode` (secrets: 0o600), never readable by others even for a moment."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.unlink(missing_ok=True)  # a leftover with wider permissions must not be reused
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data if isinstance(data, bytes) else data.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (before a library such as sqlite
    opens it with the umask's default, 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
