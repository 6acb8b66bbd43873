"""Starting and stopping the embedded emulator: clear errors, no processes left behind."""

import os
import time

import pytest
import requests

from sandbox import runtime
from sandbox.errors import AwslabError


def test_python_too_old_is_explained():
    with pytest.raises(AwslabError, match=r"Python 3.11.7 is too old: LocalStack 4.14 needs Python >= 3.12"):
        runtime.check_python((3, 11, 7))
    runtime.check_python((3, 13, 0))


def test_crash_during_start_shows_the_log_tail(tmp_path, monkeypatch):
    # A real start whose interpreter dies at once: sitecustomize runs before LocalStack.
    boot = tmp_path / "boot"
    boot.mkdir()
    (boot / "sitecustomize.py").write_text("raise SystemExit('awslab-test: simulated crash at start-up')\n")
    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHONPATH", str(boot))
    with pytest.raises(AwslabError) as err:
        runtime.start(port=0, timeout=30)
    assert "exited during start-up" in err.value.message
    assert "simulated crash at start-up" in err.value.detail
    assert runtime.current() is None


def test_start_stop_leaves_nothing_running(tmp_path, monkeypatch):
    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    info, started = runtime.start(port=0)
    try:
        assert started
        again, started_again = runtime.start(port=0)
        assert not started_again and again.pid == info.pid
        children = _group_members(info.pid)
        assert info.pid in children
    finally:
        runtime.stop()
    time.sleep(0.2)
    assert _group_members(info.pid) == []
    assert not runtime.port_in_use(info.port)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{info.endpoint}/_awslab/info", timeout=2)
    assert runtime.current() is None and runtime.stop() is None


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


def test_an_emulator_that_died_is_reported_with_its_log(tmp_path, monkeypatch):
    import signal
    import subprocess
    import sys

    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    info, _ = runtime.start(port=0)
    os.killpg(info.pid, signal.SIGKILL)  # the process group this test started
    for _ in range(50):
        os.waitpid(info.pid, os.WNOHANG)
        if not runtime._pid_alive(info.pid):
            break
        time.sleep(0.05)
    out = subprocess.run([sys.executable, "-m", "sandbox.cli", "grade", "s3-sqs-notification"],
                         capture_output=True, text=True, env={**os.environ, "AWSLAB_LANG": "en"})
    assert out.returncode == 2
    first, *tail = out.stderr.splitlines()
    assert f"the emulator (pid {info.pid}, port {info.port}) has stopped unexpectedly" in first
    assert any("Ready." in line for line in tail)  # the end of LocalStack's log
    runtime.stop()


def test_start_that_times_out_leaves_no_process(tmp_path, monkeypatch):
    import subprocess

    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(runtime.subprocess, "Popen", recording_popen)
    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    with pytest.raises(AwslabError, match=r"did not become ready within 0.2 s; log: ") as err:
        runtime.start(port=0, timeout=0.2)
    assert err.value.detail is not None
    assert runtime.config.read_emulator_state() is None and runtime.current() is None
    time.sleep(0.2)
    assert _group_members(started[0].pid) == []


def test_a_reused_pid_is_never_killed(tmp_path, monkeypatch):
    """After a reboot the recorded pid may belong to another program: `down` must leave it alone."""
    import json
    import subprocess

    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)  # a process of this test's own
    try:
        (tmp_path / "emulator.json").write_text(json.dumps(
            {"pid": other.pid, "port": 1, "log": str(tmp_path / "emulator.log"), "started_at": 0}))
        assert runtime.current() is None
        runtime.stop(grace=0.5)
        assert other.poll() is None, "an unrelated process was killed"
        assert runtime.config.read_emulator_state() is None
    finally:
        other.kill()
        other.wait()


def _listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every IPv4 socket in LISTEN state that process `pid` holds, from /proc."""
    import socket
    import struct

    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    with open(f"/proc/{pid}/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = TCP_LISTEN
                address, port = local.split(":")
                found.add((socket.inet_ntoa(struct.pack("<I", int(address, 16))), int(port, 16)))
    return found


def _non_loopback_address() -> str | None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing address
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.emulator
def test_the_gateway_listens_on_loopback_only(emulator):
    # The socket itself, not the setting: LocalStack 4.14 alone listens on 0.0.0.0 (DESIGN.md section 7).
    import socket

    assert ("127.0.0.1", emulator.port) in _listening_sockets(emulator.pid)
    assert ("0.0.0.0", emulator.port) not in _listening_sockets(emulator.pid)
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, emulator.port), timeout=2).close()
    socket.create_connection(("127.0.0.1", emulator.port), timeout=2).close()


def test_up_binds_the_address_it_is_told(tmp_path, monkeypatch):
    import socket

    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to bind")
    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    info, _ = runtime.start(port=0, host=address)
    try:
        assert _listening_sockets(info.pid) >= {(address, info.port)}
        assert ("0.0.0.0", info.port) not in _listening_sockets(info.pid)
        assert info.endpoint == f"http://{address}:{info.port}"
        assert requests.get(f"{info.endpoint}/_awslab/info", timeout=5).ok
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", info.port), timeout=2).close()
    finally:
        runtime.stop()


def test_the_image_entrypoint_listens_where_gateway_listen_says(classroom):
    # docker/entrypoint.sh run in host mode (tests/classroom_env.py) with GATEWAY_LISTEN=127.0.0.1:<port>;
    # the image's default is 0.0.0.0:4566, the instructor's setting.
    port = int(classroom.endpoint.rsplit(":", 1)[1])
    assert {s for s in _listening_sockets(classroom.proc.pid) if s[1] == port} == {("127.0.0.1", port)}
