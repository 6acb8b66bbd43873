"""`awslab up --docker`: the emulator image of docker-compose.yml, run through the Docker SDK
(the `docker` package) for learners who prefer a container to the embedded host-mode emulator.

The image is built once from docker/Dockerfile of this checkout (tag awslab-localstack:<version>);
the container gets the settings of sandbox/emulator.env, AWSLAB_HOME mounted at /var/lib/awslab
(state, and the class registry that the SigV4 plugin reads), and port 4566 published on 127.0.0.1.
The container id is kept in AWSLAB_HOME/emulator-docker.json so `awslab down` stops it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import sandbox

from . import config
from .emulator import EmulatorClient
from .errors import AwslabError, EmulatorUnavailable
from .i18n import t
from .runtime import shared_settings
from .statefiles import home_lock, write_atomic

REPO = Path(__file__).resolve().parent.parent
IMAGE = f"awslab-localstack:{sandbox.__version__}"
CONTAINER_HOME = "/var/lib/awslab"
STOP_TIMEOUT_S = 10


def state_file() -> Path:
    return config.home() / "emulator-docker.json"


def container_spec(port: int, home: Path, extra: dict[str, str] | None = None) -> dict:
    """Keyword arguments of docker's containers.run() for the emulator container."""
    return {
        "image": IMAGE,
        "detach": True,
        "name": f"awslab-emulator-{port}",
        "init": True,  # tini as PID 1: signals reach LocalStack, zombies are reaped
        "environment": {**shared_settings(), "AWSLAB_HOME": CONTAINER_HOME, **(extra or {})},
        "ports": {"4566/tcp": ("127.0.0.1", port)},
        "volumes": {str(home): {"bind": CONTAINER_HOME, "mode": "rw"}},
        "labels": {"org.awslab.home": str(home)},
    }


def engine():
    """A connected Docker client, or a one-line error saying there is no engine."""
    import docker

    try:
        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AwslabError(t("err-no-docker", problem=reason[:200])) from None


def _image(client) -> None:
    import docker

    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        if not (REPO / "docker" / "Dockerfile").is_file():
            raise AwslabError(t("err-docker-no-context", path=REPO / "docker" / "Dockerfile")) from None
        client.images.build(path=str(REPO), dockerfile="docker/Dockerfile", tag=IMAGE, rm=True)


def start(port: int, timeout: float, extra: dict[str, str] | None = None) -> tuple[str, str]:
    """Run the container and wait until awslab's plugins answer; (endpoint, container id)."""
    client = engine()
    with home_lock("emulator"):
        home = config.home()
        _image(client)
        container = client.containers.run(**container_spec(port, home, extra))
        endpoint = f"http://127.0.0.1:{port}"
        write_atomic(state_file(), json.dumps({"container": container.id, "port": port}))
        deadline = time.monotonic() + timeout
        while True:
            try:
                EmulatorClient(endpoint, timeout=1.0).info()
                return endpoint, container.id
            except EmulatorUnavailable:
                if time.monotonic() > deadline:
                    container.remove(force=True)
                    state_file().unlink(missing_ok=True)
                    raise AwslabError(t("err-docker-start-timeout", seconds=f"{timeout:g}")) from None
                time.sleep(0.5)


def stop() -> str | None:
    """Stop and remove the container recorded in AWSLAB_HOME; its id, or None if there was none."""
    try:
        state = json.loads(state_file().read_text())
    except (FileNotFoundError, ValueError):
        return None
    import docker

    client = engine()
    try:
        container = client.containers.get(state["container"])
        container.stop(timeout=STOP_TIMEOUT_S)
        container.remove()
    except docker.errors.NotFound:
        pass
    state_file().unlink(missing_ok=True)
    return state["container"]
