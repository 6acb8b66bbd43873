"""Test fixtures: one real embedded emulator (LocalStack 4.14.0 + awslab plugins) per test session.

Each test that touches the emulator gets its own learner account, so tests never see each other's
resources (per-learner names keep global S3 bucket names apart too).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import accounts, runtime

REPO = Path(__file__).resolve().parent.parent
_account_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def awslab_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("awslab-home")
    previous = os.environ.get("AWSLAB_HOME")
    os.environ["AWSLAB_HOME"] = str(home)
    # Tests must not depend on the developer's shell.
    for var in ("AWSLAB_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL", "AWSLAB_NAMING", "AWSLAB_LANG"):
        os.environ.pop(var, None)
    yield home
    if previous is None:
        os.environ.pop("AWSLAB_HOME", None)
    else:
        os.environ["AWSLAB_HOME"] = previous


@pytest.fixture(scope="session")
def emulator(awslab_home):
    info, _ = runtime.start(port=0)
    try:
        yield info
    finally:
        runtime.stop()


@pytest.fixture
def account_id(emulator) -> str:
    """A fresh 12-digit learner account for this test (worker pid keeps parallel sessions apart)."""
    return f"{(os.getpid() % 100000):05d}{next(_account_numbers):07d}"


@pytest.fixture
def account(emulator, account_id) -> accounts.Account:
    return accounts.Account(account_id=account_id, region="ap-northeast-1", endpoint=emulator.endpoint)


def run_cli(*args: str, env: dict | None = None, timeout: float = 120, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run the real `awslab` command line in a subprocess (in `cwd`, the repository by default)."""
    full_env = {**os.environ, "AWSLAB_LANG": "en", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def classroom(tmp_path_factory):
    """A second emulator in classroom mode (SigV4 checked against the class registry), started
    through the container entrypoint in host mode with docker-compose.yml's settings, and a class
    of four learners A, B, C, D registered in its AWSLAB_HOME."""
    from types import SimpleNamespace

    from sandbox.classroom.registry import Registry
    from tests import classroom_env

    home = tmp_path_factory.mktemp("classroom-home")
    registry = Registry(home / "classroom.db")
    learners = registry.create_class(["A", "B", "C", "D"], "http://classroom.invalid:4566", "ap-northeast-1")
    # A short Athena time limit, so tests/test_classroom_security.py sees a runaway query stopped.
    proc, endpoint = classroom_env.start_emulator(home, AWSLAB_ATHENA_QUERY_TIMEOUT_SECONDS="8")
    try:
        yield SimpleNamespace(home=home, endpoint=endpoint, registry=registry, learners=learners, proc=proc)
    finally:
        classroom_env.stop(proc)
