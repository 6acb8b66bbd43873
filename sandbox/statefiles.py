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


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write through a temporary file and rename, so readers never see half a file."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
