"""docker-compose.yml and the container entrypoint, without a Docker daemon: the files are validated
against the Compose Specification schema (vendored, tests/schemas/), their wiring is checked, and the
entrypoint runs both services in host mode with the compose settings. tests/test_docker.py runs the
stack for real in an engine."""

import copy
import json
import re
import subprocess

import jsonschema
import pytest
import requests

from sandbox import docker_runtime, runtime, yamlio
from tests import classroom_env
from tests.classroom_env import REPO, compose

SCHEMA = json.loads((REPO / "tests" / "schemas" / "compose-spec.json").read_text())


def _errors(document) -> list[str]:
    # The schema declares draft-07 (its $schema URL lacks the '#' jsonschema looks up).
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_is_valid_against_the_compose_specification():
    assert _errors(compose()) == []
    assert _errors(yamlio.safe_load(classroom_env.HOST_OVERRIDE.read_text(encoding="utf-8"))) == []


def test_host_override_puts_every_service_on_the_host_network():
    override = yamlio.safe_load(classroom_env.HOST_OVERRIDE.read_text(encoding="utf-8"))["services"]
    assert set(override) == set(compose()["services"])
    for name, service in override.items():
        assert service["network_mode"] == "host" and service["build"]["network"] == "host", name
    # no service name to resolve on the host network: the server finds the emulator on its port
    assert override["awslab"]["environment"]["AWSLAB_ENDPOINT"] == "http://127.0.0.1:${AWSLAB_PORT:-4566}"


def test_the_schema_check_catches_mistakes():
    broken = copy.deepcopy(compose())
    broken["services"]["localstack"]["healthcheck"]["tset"] = ["CMD", "true"]  # misspelt key
    broken["services"]["awslab"]["ports"] = "8080:8080"  # must be a list
    errors = _errors(broken)
    assert any("tset" in e for e in errors) and any(e.startswith("services/awslab/ports") for e in errors)


def test_services_are_wired_as_the_issue_asks():
    services = compose()["services"]
    emulator, server = services["localstack"], services["awslab"]
    dockerfile = (REPO / emulator["build"]["context"] / emulator["build"]["dockerfile"]).read_text()
    # the base is a build argument (python:3.13-slim unless compose passes AWSLAB_BASE_IMAGE)
    assert re.search(r"^ARG BASE=python:3\.13-slim$", dockerfile, re.MULTILINE)
    assert emulator["build"]["args"]["BASE"] == "${AWSLAB_BASE_IMAGE:-python:3.13-slim}"
    assert server["build"] == emulator["build"] and server["image"] == emulator["image"]
    # every file the image copies exists
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.MULTILINE):
        for part in source.split():
            assert (REPO / part).exists(), part
    # awslab with its dependencies under the pins (issue 18.1: --no-deps left out sqlglot), checked
    instructions = "\n".join(line for line in dockerfile.splitlines() if not line.lstrip().startswith("#"))
    assert "--no-deps" not in instructions
    assert "-c /opt/awslab/constraints.txt /opt/awslab" in dockerfile and "pip check" in dockerfile
    assert "docker/entrypoint.sh" in dockerfile
    # the embedded runtime's shared settings file is the env_file
    assert emulator["env_file"] == ["sandbox/emulator.env"]
    assert runtime.read_env_file(REPO / emulator["env_file"][0]) == runtime.shared_settings()
    assert emulator["environment"]["AWSLAB_CLASSROOM"] == "1"
    assert "/_awslab/info" in " ".join(emulator["healthcheck"]["test"])
    # awslab's state lives in a named volume, shared with the server (the class registry)
    volume = emulator["volumes"][0].split(":")
    assert volume[0] in compose()["volumes"] and volume[1] == emulator["environment"]["AWSLAB_HOME"]
    assert server["volumes"] == emulator["volumes"]
    # the server reaches the emulator by service name, once it is healthy
    assert server["environment"]["AWSLAB_ENDPOINT"] == "http://localstack:4566"
    assert server["depends_on"]["localstack"]["condition"] == "service_healthy"


def test_entrypoint_runs_the_emulator_in_host_mode(classroom):
    info = requests.get(f"{classroom.endpoint}/_awslab/info", timeout=5).json()
    assert {"admin", "sigv4"} <= set(info["plugins"])  # compose's AWSLAB_CLASSROOM=1 took effect
    # compose's healthcheck command, pointed at the host port, passes
    test = compose()["services"]["localstack"]["healthcheck"]["test"][1:]
    port = classroom.endpoint.rsplit(":", 1)[1]
    assert subprocess.run([a.replace("4566", port) for a in test], capture_output=True).returncode == 0


def test_entrypoint_runs_the_server_against_the_emulator(classroom):
    port = runtime.free_port()
    proc = classroom_env.start("awslab", classroom.home, port, AWSLAB_ENDPOINT=classroom.endpoint,
                               AWSLAB_SERVER_HOST="127.0.0.1", AWSLAB_SERVER_PORT=str(port))
    try:
        base = f"http://127.0.0.1:{port}"
        health = classroom_env.wait_for(f"{base}/api/health", proc, timeout=30)
        assert health["ok"] and "sigv4" in health["awslab"]["plugins"]
        a = classroom.learners[0]
        graded = requests.post(f"{base}/api/grade/s3-sqs-notification?lang=ja", auth=(a.account_id, a.secret), timeout=60)
        body = graded.json()
        assert graded.status_code == 200 and body["account"] == a.account_id and body["gradable"], body
        assert requests.post(f"{base}/api/grade/s3-sqs-notification", auth=(a.account_id, "wrong"),
                             timeout=10).status_code == 401
        token = classroom.registry.meta()["admin_token"]
        assert requests.get(f"{base}/api/gradebook.csv", timeout=10).status_code == 401
        csv_text = requests.get(f"{base}/api/gradebook.csv", headers={"Authorization": f"Bearer {token}"},
                                timeout=10).text
        assert csv_text.splitlines()[0].startswith("account,name,")
        assert any(line.startswith(a.account_id) for line in csv_text.splitlines())
    finally:
        classroom_env.stop(proc)


def test_up_docker_without_an_engine_is_one_line(cli, tmp_path):
    out = cli("up", "--docker", env={"AWSLAB_HOME": str(tmp_path), "DOCKER_HOST": f"unix://{tmp_path}/no.sock"})
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Docker engine answers" in lines[0], out.stderr


def test_docker_container_gets_the_embedded_settings(tmp_path):
    spec = docker_runtime.container_spec(4599, tmp_path, {"AWSLAB_CLASSROOM": "1"})
    assert runtime.shared_settings().items() <= spec["environment"].items()
    assert spec["environment"]["AWSLAB_CLASSROOM"] == "1"
    assert spec["ports"] == {"4566/tcp": ("127.0.0.1", 4599)}
    assert spec["volumes"] == {str(tmp_path): {"bind": docker_runtime.CONTAINER_HOME, "mode": "rw"}}
    assert spec["image"] == compose()["services"]["localstack"]["image"]


@pytest.mark.parametrize("service", ["localstack", "awslab"])
def test_compose_commands_are_known_to_the_entrypoint(service):
    command = compose()["services"][service]["command"][0]
    assert f"    {command})" in classroom_env.ENTRYPOINT.read_text()
