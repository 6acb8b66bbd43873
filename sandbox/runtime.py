"""The embedded emulator: LocalStack 4.14.0 in host mode, as a background process group.

Settings come from DESIGN.md section 3 (measured on these machines): without DISABLE_EVENTS the
shutdown hangs on analytics; the machine has /.dockerenv, so OVERRIDE_IN_DOCKER=0 and a private
FILESYSTEM_ROOT keep LocalStack from wiping its default temporary folder; DNS_ADDRESS=0 because
there is no network; SQS_ENDPOINT_STRATEGY=path because *.localstack.cloud does not resolve offline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import config
from .emulator import EmulatorClient
from .errors import AwslabError, EmulatorUnavailable
from .i18n import t
from .statefiles import home_lock, write_atomic

MIN_PYTHON = (3, 12)
STOP_GRACE_S = 10.0
LOG_TAIL_LINES = 15


@dataclass
class EmulatorInfo:
    pid: int
    port: int
    log: str
    started_at: float
    host: str = config.DEFAULT_HOST  # the address it listens on (GATEWAY_LISTEN)

    @property
    def endpoint(self) -> str:
        return f"http://{config.connect_host(self.host)}:{self.port}"


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> None:
    if tuple(version[:2]) < MIN_PYTHON:
        raise AwslabError(t("err-python-too-old", found=".".join(map(str, version[:3]))))


SETTINGS_FILE = Path(__file__).with_name("emulator.env")


def shared_settings() -> dict[str, str]:
    """The settings in sandbox/emulator.env (also docker-compose.yml's env_file)."""
    return read_env_file(SETTINGS_FILE)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, # comments: the format of compose's env_file."""
    settings = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def emulator_env(port: int, home: Path, extra: dict[str, str] | None = None,
                 host: str = config.DEFAULT_HOST) -> dict[str, str]:
    env = dict(os.environ)
    # Learner credentials in the caller's shell must not leak into LocalStack's own clients.
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key, None)
    env.update(
        {
            **shared_settings(),
            # Honoured for the socket itself only with the gateway_listen plugin (LocalStack's
            # twisted server binds every IPv4 address otherwise, DESIGN.md section 7).
            "GATEWAY_LISTEN": f"{host}:{port}",
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(home / "localstack"),
            "LOCALSTACK_HOST": f"{config.connect_host(host)}:{port}",
            "AWSLAB_HOME": str(home),
            "PYTHONUNBUFFERED": "1",
            **(extra or {}),
        }
    )
    return env


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def port_in_use(port: int, host: str = config.DEFAULT_HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: str | Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _recorded() -> EmulatorInfo | None:
    state = config.read_emulator_state()
    if not state:
        return None
    return EmulatorInfo(**{k: state[k] for k in ("pid", "port", "log", "started_at")},
                        host=state.get("host") or config.DEFAULT_HOST)


def _is_emulator(pid: int) -> bool:
    """Whether `pid` still is a LocalStack we started, not a process that got the pid after a reboot."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"localstack.runtime.main" in f.read()
    except OSError:
        return False


def current() -> EmulatorInfo | None:
    """The emulator recorded in AWSLAB_HOME, if its process is still alive."""
    info = _recorded()
    if info is None or not _pid_alive(info.pid) or not _is_emulator(info.pid):
        return None
    return info


def explain_dead_emulator(endpoint: str) -> None:
    """If the emulator recorded for `endpoint` has died, raise an error that shows its log tail."""
    info = _recorded()
    if info is None or info.endpoint != endpoint or current() is not None:
        return
    raise AwslabError(t("err-emulator-dead", pid=info.pid, port=info.port, log=info.log),
                      detail=log_tail(info.log))


def awslab_info(endpoint: str, timeout: float = 2.0) -> dict:
    return EmulatorClient(endpoint, timeout=timeout).info()


def start(port: int = config.DEFAULT_PORT, timeout: float = 90.0,
          extra: dict[str, str] | None = None, host: str = config.DEFAULT_HOST) -> tuple[EmulatorInfo, bool]:
    """Start the emulator in the background and wait until it and awslab's plugins answer.
    `extra` adds settings to its environment (AWSLAB_CLASSROOM=1 for classroom mode); `host` is the
    only address it accepts connections on (0.0.0.0: every IPv4 address, for a classroom).

    Returns (info, started): started is False when it was already running.
    """
    check_python()
    with home_lock("emulator"):  # one `up` or `down` at a time, never two emulators
        return _start_locked(port, timeout, extra, host)


def _start_locked(port: int, timeout: float, extra: dict[str, str] | None = None,
                  host: str = config.DEFAULT_HOST) -> tuple[EmulatorInfo, bool]:
    home = config.home()
    running = current()
    if running:
        if port not in (0, running.port):
            raise AwslabError(t("err-already-running-other-port", port=running.port, pid=running.pid))
        return running, False
    if port == 0:
        port = free_port()
    elif port_in_use(port, host):
        raise AwslabError(t("err-port-in-use", port=port))

    log_path = home / "emulator.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "localstack.runtime.main"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=emulator_env(port, home, extra, host),
            cwd=home,
            # Own process group: `down` signals the group, so every child dies with the emulator.
            start_new_session=True,
        )
    info = EmulatorInfo(pid=proc.pid, port=port, log=str(log_path), started_at=time.time(), host=host)
    _write_state(info)

    try:
        _wait_until_ready(proc, info, timeout)
    except BaseException:
        # Ctrl-C or a failed start: leave no emulator half-started behind.
        _kill_group(proc.pid)
        _clear_state()
        raise
    return info, True


def _wait_until_ready(proc: subprocess.Popen, info: EmulatorInfo, timeout: float) -> None:
    log_path = info.log
    deadline = time.monotonic() + timeout
    while True:
        code = proc.poll()
        if code is not None:
            raise AwslabError(t("err-exited-during-start", code=code, log=log_path),
                              detail=log_tail(log_path))
        try:
            awslab_info(info.endpoint, timeout=1.0)
            return
        except EmulatorUnavailable:
            pass
        if time.monotonic() > deadline:
            raise AwslabError(t("err-start-timeout", seconds=f"{timeout:g}", log=log_path),
                              detail=log_tail(log_path))
        time.sleep(0.1)


def stop(grace: float = STOP_GRACE_S) -> EmulatorInfo | None:
    """Stop the recorded emulator and every process of its group. Returns what was stopped."""
    with home_lock("emulator"):
        info = _recorded()
        if info is None:
            return None
        # Signal the group even if its leader is gone: children (Lambda runtimes) may outlive it.
        # A live leader that is not LocalStack means the pid was reused, so our group is gone
        # (Linux does not hand out a pid that is still some group's id): leave it alone.
        if not (_pid_alive(info.pid) and not _is_emulator(info.pid)):
            _kill_group(info.pid, grace)
        _clear_state()
        return info


def _kill_group(pid: int, grace: float = STOP_GRACE_S) -> None:
    # SIGTERM first so LocalStack shuts services down; SIGKILL the group if it hangs
    # (DESIGN.md: shutdown can hang, for example with Lambda children around).
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(pid)
        if not _pid_alive(pid):
            break
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _write_state(info: EmulatorInfo) -> None:
    write_atomic(config.emulator_state_file(), json.dumps(info.__dict__))


def _clear_state() -> None:
    config.emulator_state_file().unlink(missing_ok=True)
