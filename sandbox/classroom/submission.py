"""`awslab grade-submission`: run a learner's submitted scripts in a fresh account, then grade it.

A submission is a folder. Its scripts, in name order, are every `*.py` (run with this Python, which
has boto3) and `*.sh` (run with bash) at its top level. They run with the fresh account's
credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION) and
the scenario's rendered resource names as AWSLAB_NAME_<KEY> (e.g. AWSLAB_NAME_BUCKET), with
awslab's Python environment first on PATH (python, aws), in their own
process group, under one time limit for all of them. A script that exits non-zero is reported as a
crash and the rest still run; past the limit the whole group is killed and reported as a hang. Either
way the account is then graded, so a broken submission gets the points it earned and a message.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader import engine
from grader.check import Env
from grader.scenario import Scenario
from sandbox.emulator import EmulatorClient
from sandbox.i18n import t
from sandbox.statefiles import write_atomic

from . import exports
from .batch import account_of
from .registry import Registry

OUTPUT_TAIL_CHARS = 2000
KILL_GRACE_S = 2.0


@dataclass
class RunReport:
    status: str  # ok | crashed | timed-out | no-scripts
    detail: str
    seconds: float


def scripts_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".py", ".sh"))


def run_scripts(folder: Path, env: dict[str, str], timeout_s: float, log_path: Path, lang: str) -> RunReport:
    scripts = scripts_in(folder)
    began = time.monotonic()
    if not scripts:
        return RunReport("no-scripts", t("submission-no-scripts", lang, folder=folder), 0.0)
    crashes = []
    with open(log_path, "wb") as log:
        for script in scripts:
            left = timeout_s - (time.monotonic() - began)
            command = [sys.executable, script.name] if script.suffix == ".py" else ["bash", script.name]
            log.write(f"$ {' '.join(command)}\n".encode())
            log.flush()
            proc = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            try:
                code = proc.wait(timeout=max(0.1, left))
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                seconds = time.monotonic() - began
                return RunReport("timed-out", t("submission-timed-out", lang, script=script.name,
                                                seconds=f"{timeout_s:g}"), seconds)
            if code != 0:
                crashes.append(t("submission-crashed", lang, script=script.name, code=code))
    seconds = time.monotonic() - began
    if crashes:
        return RunReport("crashed", "; ".join(crashes), seconds)
    return RunReport("ok", t("submission-ran", lang, count=len(scripts), seconds=f"{seconds:.1f}"), seconds)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL, to the script's whole process group (its children too)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=KILL_GRACE_S)
            break
        except subprocess.TimeoutExpired:
            continue


def script_env(account, names: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSLAB_NAME_"))}
    env.update(account.env())
    env.update({f"AWSLAB_NAME_{key.upper()}": value for key, value in names.items()})
    env["PYTHONUNBUFFERED"] = "1"
    # Shell scripts find awslab's Python (with boto3) and the aws CLI of its environment first.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", os.defpath)])
    return env


def grade_submission(folder: Path, sc: Scenario, endpoint: str, region: str, lang: str, registry: Registry,
                     timeout_s: float, out: Path, keep: bool = False) -> exports.LearnerGrades:
    """Fresh account -> scenario setup -> scripts (time limit) -> grade -> exports under `out`."""
    began = time.monotonic()
    learner = registry.add_account(f"submission {folder.name}", kind="submission")
    grades = exports.LearnerGrades(learner)
    account = account_of(learner, endpoint, region)
    emulator = EmulatorClient.for_account(account)
    out.mkdir(parents=True, exist_ok=True)
    try:
        emulator.reset_account(account.account_id)
        names = sc.render_names(account.account_id)
        if sc.setup:
            sc.setup(Env(account, names))
        run = run_scripts(folder, script_env(account, names), timeout_s, out / "run.log", lang)
        grades.notes.append(f"[{run.status}] {run.detail}")
        result = engine.grade(sc, account, lang)
        grades.results[sc.id] = result
        if result.gradable:
            registry.record_grade(result.to_json())
    except Exception as exc:  # reported for this submission; the batch goes on
        grades.errors[sc.id] = f"{type(exc).__name__}: {exc}"
    finally:
        if not keep:
            try:
                emulator.reset_account(account.account_id)
            except Exception as exc:
                grades.notes.append(t("submission-cleanup-failed", lang, problem=exc))
    elapsed = time.monotonic() - began
    write_atomic(out / "results.json", exports.gradescope_json(grades, elapsed))
    write_atomic(out / "junit.xml", exports.junit_for(grades))
    if sc.id in grades.results:
        from grader.report import to_json

        write_atomic(out / "result.json", to_json(grades.results[sc.id]))
    return grades
