"""Bootstrap processes: launch, hand an environment over, reap, and keep a spare one ready.

Every bootstrap starts with a minimal environment and waits on its lifeline pipe for the execution
environment's variables (a 4-byte length, then JSON). Only then does it bind its invoke port and
import the handler. This lets a process be started before it is needed: a spare has already
imported boto3 (what most handlers import first, about 0.3 s here), so a cold start that finds a
spare skips that.

The lifeline pipe's only write end stays in the emulator; when the emulator ends, however it ends,
the bootstrap reads EOF and kills its own process group.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
SPARES = 1


class EnvironmentExited(Exception):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code  # the process's exit status, when it ended


class Child:
    """One bootstrap process, spare until assign() gives it an execution environment."""

    def __init__(self, proc: subprocess.Popen, lifeline_fd: int, log_path: Path, ready_fd: int | None) -> None:
        self.proc = proc
        self.lifeline_fd = lifeline_fd
        self.log_path = log_path
        self.ready_fd = ready_fd  # a spare writes one byte here once it has imported boto3
        self._preloaded = ready_fd is None
        self.startup: Future | None = None
        self.on_exit: Callable[[Child, int], None] | None = None
        self.invocation: tuple[str, Future, float] | None = None
        self.exited = threading.Event()
        self.peak_mb = 0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def assign(self, env: dict[str, str], startup: Future, on_exit: Callable[[Child, int], None]) -> None:
        with self._lock:
            if self.exited.is_set():
                raise EnvironmentExited(f"bootstrap process {self.pid} ended before it was used")
            self.startup, self.on_exit = startup, on_exit
        data = json.dumps(env).encode()
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            view = view[os.write(self.lifeline_fd, view):]

    def preloaded(self) -> bool:
        """Whether a spare has finished its imports (a spare still importing is no faster)."""
        if not self._preloaded and self.ready_fd is not None:
            try:
                self._preloaded = os.read(self.ready_fd, 1) == b"R"
            except (BlockingIOError, OSError):
                pass
            if self._preloaded:
                self.close_ready()
        return self._preloaded

    def close_ready(self) -> None:
        if self.ready_fd is not None:
            os.close(self.ready_fd)
            self.ready_fd = None

    def read_peak_memory(self) -> int:
        """Peak resident memory (VmHWM) in MB, remembered for when the process is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_mb = int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return self.peak_mb

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# Every bootstrap alive in this emulator (spares included), so that shutdown can kill them all.
_children: dict[int, Child] = {}
_children_lock = threading.Lock()


def base_environment() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",  # keep the function's code folder as it was uploaded
    }


def launch(log_path: Path, preload: bool) -> Child:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    env = {**base_environment(), "AWSLAB_LIFELINE_FD": str(read_fd)}
    ready_read = ready_write = None
    if preload:
        ready_read, ready_write = os.pipe()
        os.set_blocking(ready_read, False)
        env["AWSLAB_PRELOAD_FD"] = str(ready_write)
    child_fds = [fd for fd in (read_fd, ready_write) if fd is not None]
    try:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-P", str(BOOTSTRAP)],
                env=env,
                cwd=log_path.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=child_fds,
                start_new_session=True,  # own process group: killpg reaches what the handler started
            )
    except BaseException:
        for fd in (write_fd, ready_read):
            if fd is not None:
                os.close(fd)
        raise
    finally:
        for fd in child_fds:
            os.close(fd)
    child = Child(proc, write_fd, log_path, ready_read)
    with _children_lock:
        _children[proc.pid] = child
    threading.Thread(target=_reap, args=(child,), name=f"lambda-reaper-{proc.pid}", daemon=True).start()
    return child


def _reap(child: Child) -> None:
    code = child.proc.wait()
    child.kill()  # whatever the handler started in the group goes too
    os.close(child.lifeline_fd)  # (ready_fd belongs to the pool, which closes it under its lock)
    with _children_lock:
        _children.pop(child.pid, None)
    with child._lock:
        child.exited.set()
        on_exit = child.on_exit
    if on_exit is not None:
        on_exit(child, code)
    else:
        child.log_path.unlink(missing_ok=True)  # a spare nobody used


class SparePool:
    """Keeps SPARES bootstraps with boto3 imported, started in the background."""

    def __init__(self, folder: Callable[[], Path]) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._spares: list[Child] = []
        self._filling = False

    def take(self) -> Child | None:
        """A spare that has finished its imports, if there is one."""
        with self._lock:
            for child in [c for c in self._spares if c.exited.is_set()]:
                child.close_ready()
                self._spares.remove(child)
            for child in self._spares:
                if child.preloaded():
                    self._spares.remove(child)
                    return child
        return None

    def fill(self) -> None:
        """Start spares in the background up to SPARES (cheap when the pool is full)."""
        with self._lock:
            if self._filling or len(self._spares) >= SPARES:
                return
            self._filling = True
        threading.Thread(target=self._fill, name="lambda-spares", daemon=True).start()

    def _fill(self) -> None:
        try:
            while True:
                with self._lock:
                    if len(self._spares) >= SPARES:
                        return
                child = launch(self._folder() / f"spare-{uuid.uuid4().hex}.log", preload=True)
                with self._lock:
                    self._spares.append(child)
        except Exception:  # noqa: BLE001 (no spare means slower cold starts, nothing worse)
            LOG.exception("awslab: could not start a spare Lambda bootstrap")
        finally:
            with self._lock:
                self._filling = False

    def clear(self) -> None:
        with self._lock:
            spares, self._spares = self._spares, []
        for child in spares:
            child.kill()


def kill_all() -> int:
    with _children_lock:
        children = list(_children.values())
    for child in children:
        child.kill()
    for child in children:
        child.exited.wait(2)
    return len(children)


def live_pids() -> list[int]:
    with _children_lock:
        return sorted(_children)
