"""docker compose for real: the image built from docker/Dockerfile on a Debian base, the classroom
stack brought up from docker-compose.yml + docker-compose.host.yml in a Docker engine, a class created
in the container, a learner's reference solution run from the host against it, `awslab class grade`,
and the registry and grades surviving `down` / `up` with the volume kept.

Needs an engine (DOCKER_HOST; .ci/run starts the private one of scripts/docker-engine) and the base
image (AWSLAB_BASE_IMAGE, default awslab-base:trixie from `scripts/docker-engine base`); skipped with
the reason where either is missing. Every step is bounded in time."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import time
from types import SimpleNamespace

import pytest
import requests

from sandbox import runtime
from tests.classroom_env import COMPOSE_FILE, HOST_OVERRIDE, REPO

pytestmark = pytest.mark.docker

BASE = os.environ.get("AWSLAB_BASE_IMAGE", "awslab-base:trixie")
SCENARIO = "s3-sqs-notification"
STATE = "/var/lib/awslab"


def _run(args: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs)


def _tail(out: subprocess.CompletedProcess, lines: int = 15) -> str:
    return "\n".join((out.stdout + out.stderr).strip().splitlines()[-lines:])


def _compose_command() -> list[str] | None:
    """Compose v2 (`docker compose`) where installed, else v1 (Debian bookworm's docker-compose)."""
    if _run(["docker", "compose", "version"], timeout=20).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


@pytest.fixture(scope="session")
def engine():
    if not shutil.which("docker"):
        pytest.skip("no docker client (scripts/docker-engine install)")
    where = os.environ.get("DOCKER_HOST", "the default socket")
    try:
        version = _run(["docker", "version", "--format", "{{.Server.Version}}"], timeout=15)
    except subprocess.TimeoutExpired:
        pytest.skip(f"the Docker engine at {where} did not answer within 15 s")
    if version.returncode != 0:
        reason = (version.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"no Docker engine answers at {where} (scripts/docker-engine start): {reason}")
    compose = _compose_command()
    if compose is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed (scripts/docker-engine install)")
    if _run(["docker", "image", "inspect", BASE], timeout=30).returncode != 0:
        pytest.skip(f"base image {BASE} is not in the engine (scripts/docker-engine base)")
    return SimpleNamespace(compose=compose, version=version.stdout.strip())


class Stack:
    """The compose project, on the host network with ports of its own (other emulators may hold 4566)."""

    def __init__(self, compose: list[str]):
        self.port, self.server_port = runtime.free_port(), runtime.free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = f"http://127.0.0.1:{self.server_port}"
        self.command = [*compose, "-f", str(COMPOSE_FILE), "-f", str(HOST_OVERRIDE)]
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": f"awslabtest{os.getpid()}", "AWSLAB_BASE_IMAGE": BASE,
                    "AWSLAB_PORT": str(self.port), "AWSLAB_SERVER_PORT": str(self.server_port),
                    # Debian's engine and docker-compose 1.29 build with the classic builder (no buildx).
                    "DOCKER_BUILDKIT": "0", "COMPOSE_DOCKER_CLI_BUILD": "0"}
        self.timings: dict[str, float] = {}
        self.running = False

    def __call__(self, *args: str, timeout: float, check: bool = True) -> subprocess.CompletedProcess:
        out = _run([*self.command, *args], timeout=timeout, cwd=REPO, env=self.env)
        if check and out.returncode != 0:
            raise AssertionError(f"compose {' '.join(args[:3])} exited {out.returncode}:\n{_tail(out)}")
        return out

    def exec(self, service: str, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        return self("exec", "-T", service, *args, timeout=timeout, check=check)

    def timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.monotonic() - started, 1)

    def health(self, service: str) -> str:
        container = self("ps", "-q", service, timeout=30).stdout.strip()
        if not container:
            return "missing"
        out = _run(["docker", "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", container], timeout=30)
        state, _, health = out.stdout.strip().partition(" ")
        return health if state == "running" else state

    def up(self, label: str = "up") -> None:
        started = time.monotonic()
        self("up", "-d", timeout=300)
        # Both healthchecks as Docker judges them (the emulator's plugins, the server's API). 300 s:
        # on a 2-core machine shared with other jobs (load 10) one start took over 180 s.
        deadline = time.monotonic() + 300
        states = {}
        while time.monotonic() < deadline:
            states = {name: self.health(name) for name in ("localstack", "awslab")}
            if set(states.values()) == {"healthy"}:
                break
            if any(s in ("exited", "dead", "missing", "unhealthy") for s in states.values()):
                break
            time.sleep(1)
        if set(states.values()) != {"healthy"}:
            logs = self("logs", "--tail", "20", timeout=60, check=False)
            raise AssertionError(f"services not healthy within 300 s: {states}\n{_tail(logs, 40)}")
        self.timed(f"{label} to healthy", started)
        self.running = True

    def down(self, *args: str) -> None:
        self("down", *args, timeout=180)
        self.running = False


@pytest.fixture(scope="session")
def stack(engine, request):
    """The image, built once per session (the heavy part), and the project, removed with its volume."""
    stack = Stack(engine.compose)
    started = time.monotonic()
    # One build: both services name the same image.
    stack("build", "localstack", timeout=900)
    stack.timed("image build", started)
    try:
        yield stack
    finally:
        stack("down", "-v", "--remove-orphans", timeout=180, check=False)
        # To the terminal past pytest's capture, so CI's log keeps the figures.
        with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
            print(f"\ndocker ({engine.version}, {' '.join(engine.compose)}): "
                  + ", ".join(f"{k} {v} s" for k, v in stack.timings.items()))


def _gradebook(text: str) -> dict[str, dict]:
    return {row["account"]: row for row in csv.DictReader(io.StringIO(text))}


def test_classroom_in_compose_grades_a_learner_and_survives_down_up(stack, cli, tmp_path):
    stack.up()
    created = stack.exec("awslab", "awslab", "class", "create", "--learners", "2", "--endpoint", stack.endpoint, "--lang", "en")
    token = re.search(r"Instructor token \(gradebook API\): (\S+)", created.stdout).group(1)
    # The learners' keys, from the sheet's set-up line as a learner copies it.
    sheet = stack.exec("awslab", "awslab", "class", "sheet", "--format", "text", "--lang", "en").stdout
    keys = re.findall(r"AWS_ACCESS_KEY_ID=(\d{12}) AWS_SECRET_ACCESS_KEY=(\S+) awslab env", sheet)
    assert len(keys) == 2, sheet
    (a, a_secret), (b, _) = keys

    # Learner A, on the host, against the container's endpoint.
    learner = {"AWSLAB_HOME": str(tmp_path), "AWSLAB_ENDPOINT": stack.endpoint,
               "AWS_ACCESS_KEY_ID": a, "AWS_SECRET_ACCESS_KEY": a_secret}
    started = time.monotonic()
    for step in ("start", "solve"):
        out = cli(step, SCENARIO, env=learner, timeout=180)
        assert out.returncode == 0, f"awslab {step}: {out.stdout}{out.stderr}"
    own = json.loads(cli("grade", SCENARIO, "--format", "json", env=learner, timeout=180).stdout)
    assert own["passed"] and own["score"] == own["max_score"], own
    stack.timed("learner start+solve+grade", started)
    # classroom mode in the container: the right account id with a wrong secret is not let in
    forged = json.loads(cli("grade", SCENARIO, "--format", "json", timeout=180,
                            env={**learner, "AWS_SECRET_ACCESS_KEY": "x" * 40}).stdout)
    assert not forged["gradable"] and forged["score"] == 0, forged

    started = time.monotonic()
    graded = stack.exec("awslab", "awslab", "class", "grade", SCENARIO, "--out", f"{STATE}/gradebook", check=False, timeout=300)
    assert graded.returncode == 1, _tail(graded)  # B has not solved it: not everyone is complete
    stack.timed("class grade", started)
    rows = _gradebook(stack.exec("awslab", "cat", f"{STATE}/gradebook/gradebook.csv").stdout)
    assert rows[a][SCENARIO] == rows[a]["max_total"] and rows[a]["status"] == "complete", rows
    assert rows[b][SCENARIO] == "0" and rows[b]["status"] == "incomplete", rows

    # Containers removed and created again; the named volume (registry, grades) is kept.
    started = time.monotonic()
    stack.down()
    stack.up("up again")
    stack.timed("down + up", started)
    listed = stack.exec("awslab", "awslab", "class", "list", "--lang", "en").stdout
    assert a in listed and b in listed and token in listed
    api = requests.get(f"{stack.server}/api/gradebook.csv", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert api.status_code == 200 and _gradebook(api.text)[a][SCENARIO] == rows[a]["max_total"], api.text
    # the new emulator container reads the same registry: A's key still signs, a forged one still fails
    again = json.loads(cli("grade", SCENARIO, "--format", "json", env=learner, timeout=180).stdout)
    assert again["gradable"], again  # resources are gone (no persistence in LocalStack community)
    forged = json.loads(cli("grade", SCENARIO, "--format", "json", timeout=180,
                            env={**learner, "AWS_SECRET_ACCESS_KEY": "x" * 40}).stdout)
    assert not forged["gradable"], forged


def test_bubblewrap_can_confine_inside_the_emulator_container(stack):
    # What the Lambda sandbox needs from the container: user namespaces for bwrap (compose's
    # security_opt seccomp=unconfined; Docker's default seccomp profile refuses them).
    if not stack.running:
        stack.up()
    out = stack.exec("localstack", "bwrap", "--unshare-all", "--ro-bind", "/", "/", "true", check=False, timeout=60)
    assert out.returncode == 0, _tail(out)
