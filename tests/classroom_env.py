"""docker-compose.yml's services run in host mode through the container entrypoint
(docker/entrypoint.sh), the way tests can run them without a Docker daemon: the environment a
service gets in compose (env_file + environment) is rebuilt from the compose file, with the
container-only values (listen address, state folder) replaced by host ones."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox import runtime, yamlio

REPO = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO / "docker-compose.yml"
HOST_OVERRIDE = REPO / "docker-compose.host.yml"
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"


def compose() -> dict:
    return yamlio.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def service_env(name: str, **host_values: str) -> dict[str, str]:
    """The environment compose gives service `name`, then the host values on top."""
    service = compose()["services"][name]
    env = {}
    for file in service.get("env_file") or []:
        env.update(runtime.read_env_file(REPO / file))
    for key, value in (service.get("environment") or {}).items():
        env[key] = os.path.expandvars(str(value)).replace("${AWSLAB_PUBLIC_HOST:-localhost}", "localhost")
    env.update(host_values)
    return env


def start(service: str, home: Path, port: int, **host_values: str) -> subprocess.Popen:
    """Run the entrypoint with the service's compose command, as the container would."""
    command = compose()["services"][service]["command"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSLAB_"))}
    env = {**base, **service_env(service, AWSLAB_HOME=str(home), PYTHON=sys.executable, **host_values)}
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / f"{service}.log", "wb")
    return subprocess.Popen(["sh", str(ENTRYPOINT), *command], env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, cwd=home, start_new_session=True)


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        try:
            resp = requests.get(url, timeout=1)
            if resp.status_code == 200:
                return resp.json()
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    runtime._kill_group(proc.pid)  # SIGTERM, then SIGKILL the whole group after the grace period


def start_emulator(home: Path, **extra: str) -> tuple[subprocess.Popen, str]:
    port = runtime.free_port()
    proc = start("localstack", home, port, GATEWAY_LISTEN=f"127.0.0.1:{port}", LOCALSTACK_HOST=f"127.0.0.1:{port}",
                 OVERRIDE_IN_DOCKER="0", FILESYSTEM_ROOT=str(home / "localstack"), **extra)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{endpoint}/_awslab/info", proc)
    except BaseException:
        stop(proc)
        raise
    return proc, endpoint
