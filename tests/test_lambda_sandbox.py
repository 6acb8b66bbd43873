"""Learners' Lambda code is confined (sandbox/plugins/lambda_process/confinement.py): handlers that
attack the host, the emulator and other environments, against the real embedded emulator. Each
test states what the attack did before the sandbox (issue 13) and asserts it now fails or is bounded."""

from __future__ import annotations

import base64
import errno
import json
import os
import time
from pathlib import Path

import pytest

from sandbox.plugins.lambda_process.confinement import CONFINEMENT
from tests.lambda_functions import ENVIRONMENT_ID, create_function, environment_processes, lambda_role

pytestmark = [pytest.mark.emulator, pytest.mark.skipif(
    not CONFINEMENT.enabled, reason=f"Lambda sandbox unavailable here: {CONFINEMENT.problem}")]


def _invoke(lam, name: str, payload: dict | None = None) -> tuple[dict, object, str]:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), LogType="Tail")
    body = resp["Payload"].read()
    return resp, json.loads(body) if body else None, base64.b64decode(resp["LogResult"]).decode()


def _rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _wait_no_processes(environment_id: int, timeout: float = 15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := environment_processes(environment_id)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


ATTACKS = f"""
import os, signal

def attempt(fn):
    try:
        return ["done", repr(fn())[:200]]
    except Exception as e:
        return ["failed", type(e).__name__]

def lambda_handler(event, context):
    return {{
        "home": attempt(lambda: os.listdir(event["home"])),
        "registry": attempt(lambda: open(event["registry"]).read()),
        "emulator_environ": attempt(lambda: open("/proc/%d/environ" % event["emulator_pid"], "rb").read()),
        "emulator_vars": [name for name in event["emulator_vars"] if name in os.environ],
        "host_tmp": attempt(lambda: open(event["host_file"]).read()),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "kill_emulator": attempt(lambda: os.kill(event["emulator_pid"], signal.SIGKILL)),
        "kill_parent": attempt(lambda: os.kill(os.getppid(), signal.SIGKILL)),
        "write_code": attempt(lambda: open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "evil.py"), "w")),
        "write_tmp": attempt(lambda: open("/tmp/mine", "w").write("ok")),
        "uid": os.getuid(),
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "environment": {ENVIRONMENT_ID},
    }}
"""


def test_handler_sees_nothing_of_the_host_or_the_emulator(emulator, awslab_home, account, tmp_path):
    # Before: the handler listed AWSLAB_HOME, read the class registry and the emulator's environ,
    # and could SIGKILL the emulator (its parent).
    registry = awslab_home / "classroom-registry.json"
    registry.write_text('{"secret": "instructor-token"}')
    host_file = tmp_path / "host-secret"
    host_file.write_text("host secret")
    create_function(account, "attacker", ATTACKS)
    event = {"home": str(awslab_home), "registry": str(registry), "emulator_pid": emulator.pid,
             "host_file": str(host_file),
             "emulator_vars": ["AWSLAB_HOME", "FILESYSTEM_ROOT", "GATEWAY_LISTEN", "LAMBDA_RUNTIME_EXECUTOR"]}
    resp, out, _ = _invoke(account.client("lambda"), "attacker", event)
    assert "FunctionError" not in resp, out
    for attack in ("home", "registry", "emulator_environ", "host_tmp", "kill_emulator", "write_code"):
        assert out[attack][0] == "failed", (attack, out[attack])
    assert out["emulator_vars"] == []
    assert max(out["pids"]) < 10 and emulator.pid not in out["pids"]  # its own PID namespace only
    assert out["write_tmp"][0] == "done" and out["task_root"] == "/var/task"
    assert out["uid"] != 0
    # The parent it sees is the sandbox's init, which ignores it; the emulator answers and the
    # environment is still the same (warm).
    resp, again, _ = _invoke(account.client("lambda"), "attacker", event)
    assert "FunctionError" not in resp and again["environment"] == out["environment"]
    assert os.path.exists(f"/proc/{emulator.pid}")


def test_each_environment_has_its_own_tmp(emulator, account):
    # Before: a file one learner's function left in /tmp could be read by another learner's function.
    create_function(account, "writer", """
    def lambda_handler(event, context):
        open("/tmp/left-behind", "w").write("writer's secret")
        return "written"
    """)
    create_function(account, "reader", """
    import os
    def lambda_handler(event, context):
        return os.path.exists("/tmp/left-behind")
    """)
    lam = account.client("lambda")
    assert _invoke(lam, "writer")[1] == "written"
    assert _invoke(lam, "reader")[1] is False
    assert not os.path.exists("/tmp/left-behind")


def test_tmp_has_the_size_of_ephemeral_storage(emulator, account):
    create_function(account, "filler", """
    import errno
    def lambda_handler(event, context):
        written = 0
        try:
            with open("/tmp/fill", "wb") as f:
                for _ in range(700):
                    f.write(b"x" * 1024 * 1024)
                    written += 1
        except OSError as e:
            return [written, e.errno]
        return [written, None]
    """, memory=256, EphemeralStorage={"Size": 600}, timeout=20)
    written, err = _invoke(account.client("lambda"), "filler")[1]
    assert 550 <= written <= 600 and err in (errno.ENOSPC, errno.EFBIG), (written, err)


def test_memory_over_memory_size_is_runtime_out_of_memory(emulator, account):
    # Before: MemorySize=128 and bytearray(4 GB) succeeded.
    create_function(account, "hog", f"""
    import os
    def lambda_handler(event, context):
        if event.get("how") == "big":
            block = bytearray(4 * 1024 ** 3)
        elif event.get("how") == "steps":
            blocks = [bytearray(8 * 1024 * 1024) for _ in range(100)]
        return {ENVIRONMENT_ID}
    """)
    lam = account.client("lambda")
    _, first, _ = _invoke(lam, "hog")
    for how in ("big", "steps"):
        resp, body, tail = _invoke(lam, "hog", {"how": how})
        assert resp["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.OutOfMemory", body
        assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
        assert "Max Memory Used: 128 MB" in tail and "Runtime.OutOfMemory" in tail
        # As on AWS the environment is discarded: the next invoke is a cold start in a new one.
        resp, env, tail = _invoke(lam, "hog")
        assert "FunctionError" not in resp and "Init Duration" in tail
        assert _wait_no_processes(first) == []
        first = env


def test_processes_are_bounded_and_die_with_the_environment(emulator, account):
    # Before: 1000 forked children stayed alive after `awslab down`; a fork bomb was unbounded.
    create_function(account, "forker", f"""
    import os, time
    def lambda_handler(event, context):
        forked, error = 0, None
        for _ in range(2000):
            try:
                pid = os.fork()
            except OSError as e:
                error = e.errno
                break
            if pid == 0:
                time.sleep(120)
                os._exit(0)
            forked += 1
        return [forked, error, {ENVIRONMENT_ID}]
    """, timeout=30)
    lam = account.client("lambda")
    resp, (forked, error, environment), _ = _invoke(lam, "forker")
    assert "FunctionError" not in resp
    assert forked < 1024 and error == errno.EAGAIN, (forked, error)
    assert len(environment_processes(environment)) > forked  # they live on in the warm environment
    lam.delete_function(FunctionName="forker")  # stops the environment: every one of them goes
    assert _wait_no_processes(environment, 10) == []


SETSID = f"""
import os, time
def lambda_handler(event, context):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    print("environment", {ENVIRONMENT_ID}, flush=True)
    time.sleep(10)
"""


def test_setsid_grandchild_is_killed_at_timeout(emulator, account):
    # Before: a setsid, double-forked child outlived the timeout and `awslab down`.
    create_function(account, "escaper", SETSID, timeout=1)
    resp, body, tail = _invoke(account.client("lambda"), "escaper")
    assert body["errorType"] == "Sandbox.Timedout"
    environment = int(tail.split("environment ", 1)[1].split()[0])
    assert _wait_no_processes(environment) == []


def test_prints_do_not_grow_the_emulator(emulator, account):
    # Before: four 100 MB prints took the emulator from 268 MB to 1.87 GB.
    create_function(account, "printer", """
    import sys
    def lambda_handler(event, context):
        for i in range(4):
            sys.stdout.write(str(i) * (100 * 1024 * 1024))
            sys.stdout.flush()
        print()
        print("the end")
        return "printed"
    """, memory=1024, timeout=60)
    lam = account.client("lambda")
    before = _rss_mb(emulator.pid)
    resp, body, tail = _invoke(lam, "printer")
    after = _rss_mb(emulator.pid)
    assert body == "printed"
    assert after - before < 100, (before, after)
    # LogResult: the last 4 KB of the log, as on AWS, and it ends with the REPORT line.
    assert len(base64.b64decode(resp["LogResult"])) <= 4096
    assert "the end" in tail and tail.rstrip().splitlines()[-1].startswith("REPORT RequestId:")


def test_open_files_are_bounded(emulator, account):
    create_function(account, "opener", """
    import errno
    def lambda_handler(event, context):
        files = []
        try:
            for _ in range(5000):
                files.append(open("/dev/null"))
        except OSError as e:
            return [len(files), e.errno]
        return [len(files), None]
    """)
    opened, err = _invoke(account.client("lambda"), "opener")[1]
    assert opened < 1024 and err == errno.EMFILE


def test_without_a_sandbox_functions_still_run_and_status_says_so(tmp_path, cli):
    """Where bwrap cannot work (simulated: AWSLAB_LAMBDA_UNCONFINED=1), functions run as before and
    both the emulator log and `awslab status` say, in one line, that they are not confined."""
    from sandbox import accounts

    env = {"AWSLAB_HOME": str(tmp_path), "AWSLAB_LAMBDA_UNCONFINED": "1"}
    assert cli("up", "--port", "0", env=env).returncode == 0
    try:
        state = json.loads((tmp_path / "emulator.json").read_text())
        account = accounts.Account("000000000000", "ap-northeast-1", f"http://127.0.0.1:{state['port']}")
        create_function(account, "plain", f"import os\ndef lambda_handler(e, c):\n    return {ENVIRONMENT_ID}\n",
                        role=lambda_role(account))
        resp, environment, _ = _invoke(account.client("lambda"), "plain")
        assert "FunctionError" not in resp and environment < 0  # unconfined: minus its host pid
        status = cli("status", "--lang", "ja", env=env)
        assert "サンドボックスなし" in status.stdout and "AWSLAB_LAMBDA_UNCONFINED=1" in status.stdout
        log = Path(state["log"]).read_text()
        assert "Lambda functions run UNCONFINED (AWSLAB_LAMBDA_UNCONFINED=1)" in log and "サンドボックスなし" in log
    finally:
        cli("down", env=env)
