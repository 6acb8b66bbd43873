"""Bootstrap processes: launch, hand an environment over, reap, and keep a spare one ready.

Every bootstrap starts with a minimal environment and waits on its lifeline pipe for the execution
environment's variables (a 4-byte length, then JSON). Only then does it bind its invoke port and
import the handler. This lets a process be started before it is needed: a spare has already
imported boto3 (what most handlers import first, about 0.3 s here), so a cold start that finds a
spare skips that.

The lifeline pipe's only write end stays in the emulator; when the emulator ends, however it ends,
the bootstrap reads EOF and kills its own process group.

Where bubblewrap works (confinement.py), each bootstrap runs in a sandbox of its own: what is
started then is `bwrap ... -- python -P bootstrap.py`, the function's code is copied into the
sandbox's /var/task when the process is assigned, and everything in the sandbox dies with it.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from .confinement import CONFINEMENT, DEFAULT_TMP_MB, TASK_ROOT, fill_slot

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
SPARES = 1


class EnvironmentExited(Exception):
    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code  # the process's exit status, when it ended


class Child:
    """One bootstrap process, spare until assign() gives it an execution environment."""

    def __init__(self, proc: subprocess.Popen, lifeline_fd: int, log_path: Path, ready_fd: int | None,
                 slot: Path | None = None, uid: int | None = None, tmp_mb: int = DEFAULT_TMP_MB) -> None:
        self.proc = proc
        self.slot, self.uid, self.tmp_mb = slot, uid, tmp_mb  # sandbox: code folder, own uid, /tmp size
        self._inner_pid: int | None = None
        # The sandbox's init (PID 1 of its namespace): it waits for every process in there, so the
        # namespace ends, setsid and double-forked children included, when the host SIGKILLs it.
        self._init_pid: int | None = None
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
        if self.slot is not None:
            fill_slot(Path(env["LAMBDA_TASK_ROOT"]), self.slot, self.uid)
            self.bootstrap_pid()
            env = {**env, "LAMBDA_TASK_ROOT": TASK_ROOT, "TMPDIR": "/tmp",
                   "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent)}
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

    def bootstrap_pid(self) -> int:
        """The host pid of the Python bootstrap: in a sandbox, the child of bwrap's init in the
        sandbox's PID namespace (bwrap -> init -> python), not bwrap's own pid."""
        if self.slot is None:
            return self.pid
        if self._inner_pid is None:
            pids = [self.pid]
            for _ in range(2):
                try:
                    with open(f"/proc/{pids[-1]}/task/{pids[-1]}/children") as children:
                        pids.append(int(children.read().split()[0]))
                except (OSError, ValueError, IndexError):
                    return self.pid
            self._init_pid, self._inner_pid = pids[1], pids[2]
        return self._inner_pid

    def read_peak_memory(self) -> int:
        """Peak resident memory (VmHWM) in MB, remembered for when the process is gone."""
        try:
            with open(f"/proc/{self.bootstrap_pid()}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_mb = int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return self.peak_mb

    def kill(self) -> None:
        if self.slot is not None:
            self.bootstrap_pid()  # finds the init while bwrap is still its parent
        for kill, pid in ((os.kill, self._init_pid), (os.killpg, self.pid)):
            if pid is not None:
                try:
                    kill(pid, signal.SIGKILL)
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
        # Fewer glibc malloc arenas (64 MB of address space each): they count in RLIMIT_AS.
        "MALLOC_ARENA_MAX": "2",
    }


def launch(log_path: Path, preload: bool, tmp_mb: int = DEFAULT_TMP_MB) -> Child:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    env = {**base_environment(), "AWSLAB_LIFELINE_FD": str(read_fd)}
    command = [sys.executable, "-P", str(BOOTSTRAP)]
    slot = uid = None
    if CONFINEMENT.enabled:
        # Unique: the reaper of this environment's previous process may still be removing its own.
        slot = log_path.with_name(f"{log_path.stem}-{uuid.uuid4().hex[:8]}-task")
        slot.mkdir(mode=0o755)
        uid = CONFINEMENT.take_uid()
        env["AWSLAB_SANDBOXED"] = "1"
        if uid is not None:
            env["AWSLAB_SANDBOX_UID"] = str(uid)
            os.chown(slot, uid, uid)
        command = [*CONFINEMENT.command(slot, tmp_mb, uid), *command]
    ready_read = ready_write = None
    if preload:
        ready_read, ready_write = os.pipe()
        os.set_blocking(ready_read, False)
        env["AWSLAB_PRELOAD_FD"] = str(ready_write)
    child_fds = [fd for fd in (read_fd, ready_write) if fd is not None]
    try:
        with open(log_path, "ab") as log:
            proc = (_LAUNCHER.popen if slot is not None else subprocess.Popen)(
                command,
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
        _release(slot, uid)
        raise
    finally:
        for fd in child_fds:
            os.close(fd)
    child = Child(proc, write_fd, log_path, ready_read, slot, uid, tmp_mb)
    with _children_lock:
        _children[proc.pid] = child
    threading.Thread(target=_reap, args=(child,), name=f"lambda-reaper-{proc.pid}", daemon=True).start()
    return child


class _Launcher:
    """Starts sandboxes from one thread that lives as long as the emulator. bwrap's
    --die-with-parent is a parent-death signal, which Linux sends when the *thread* that started
    the process ends: a sandbox started from a short-lived thread (the spare pool's) would die
    with that thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def popen(self, *args, **kwargs) -> subprocess.Popen:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-launcher", daemon=True)
                self._thread.start()
        done: Future = Future()
        self._jobs.put((args, kwargs, done))
        return done.result()

    def _run(self) -> None:
        while True:
            args, kwargs, done = self._jobs.get()
            try:
                done.set_result(subprocess.Popen(*args, **kwargs))
            except BaseException as e:  # noqa: BLE001 (handed to the caller)
                done.set_exception(e)


_LAUNCHER = _Launcher()


def _release(slot: Path | None, uid: int | None) -> None:
    if slot is not None:
        shutil.rmtree(slot, ignore_errors=True)
    CONFINEMENT.release_uid(uid)


def _reap(child: Child) -> None:
    code = child.proc.wait()
    child.kill()  # whatever the handler started in the group goes too
    if child.slot is not None and code > 128:
        code = 128 - code  # bwrap exits 128 + N when the bootstrap was killed by signal N
    _release(child.slot, child.uid)
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

    def take(self, tmp_mb: int = DEFAULT_TMP_MB) -> Child | None:
        """A spare that has finished its imports, if there is one (with a /tmp of tmp_mb: a
        sandbox's /tmp size is fixed when it starts)."""
        with self._lock:
            for child in [c for c in self._spares if c.exited.is_set()]:
                child.close_ready()
                self._spares.remove(child)
            for child in self._spares:
                if child.tmp_mb == tmp_mb and child.preloaded():
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
