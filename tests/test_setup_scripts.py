"""The set-up scripts: finding a Python >= 3.12, and the Makefile's two README commands."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _fake_python(folder: Path, name: str, version: tuple[int, int]) -> None:
    script = folder / name
    script.write_text(
        "#!/bin/sh\n"
        f'case "$2" in *version_info*\\>=*) [ {version[0]}{version[1]:02d} -ge 312 ]; exit $?;; esac\n'
        f'echo "{folder}/{name}"\n'
    )
    script.chmod(0o755)


def _find(path: str, **env) -> subprocess.CompletedProcess:
    env.setdefault("PYENV_ROOT", "/nonexistent-pyenv")  # keep the machine's own pyenv out of it
    return subprocess.run(["/bin/sh", str(REPO / "scripts" / "find-python")], capture_output=True,
                          text=True, env={"PATH": path, **env})


def test_no_suitable_python_is_explained(tmp_path):
    _fake_python(tmp_path, "python3", (3, 11))
    out = _find(str(tmp_path))
    assert out.returncode == 1
    assert "no Python >= 3.12 found" in out.stderr and "PYTHON=" in out.stderr


def test_newest_suitable_python_is_chosen(tmp_path):
    _fake_python(tmp_path, "python3", (3, 11))
    _fake_python(tmp_path, "python3.13", (3, 13))
    out = _find(str(tmp_path))
    assert out.returncode == 0 and out.stdout.strip() == f"{tmp_path}/python3.13"


def test_pyenv_installs_are_found_without_shims_on_path(tmp_path):
    bin_dir = tmp_path / "pyenv" / "versions" / "3.13.1" / "bin"
    bin_dir.mkdir(parents=True)
    _fake_python(bin_dir, "python3", (3, 13))
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _find(str(empty), PYENV_ROOT=str(tmp_path / "pyenv"))
    assert out.returncode == 0 and out.stdout.strip() == f"{bin_dir}/python3"


def test_python_variable_wins(tmp_path):
    _fake_python(tmp_path, "python3.13", (3, 13))
    _fake_python(tmp_path, "mypython", (3, 12))
    out = _find(str(tmp_path), PYTHON="mypython")
    assert out.stdout.strip() == f"{tmp_path}/mypython"


def test_makefile_targets_call_the_documented_scripts():
    dry = subprocess.run(["make", "-n", "test", "demo"], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ})
    assert "pytest" in dry.stdout and "scripts/demo" in dry.stdout
    assert "make test" in (REPO / ".ci" / "run").read_text()
    readme = (REPO / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_japanese_guide_covers_every_command_of_the_readme():
    import re

    english = (REPO / "README.md").read_text()
    japanese = (REPO / "docs" / "README.ja.md").read_text()
    commands = set(re.findall(r"^awslab [a-z]+", english, re.MULTILINE))
    assert len(commands) >= 10
    missing = [c for c in sorted(commands) if c not in japanese]
    assert not missing, missing
