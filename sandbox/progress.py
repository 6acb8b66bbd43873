"""The learner's progress under AWSLAB_HOME: best score and hints used, per account and scenario.

One JSON file, updated under an exclusive lock and replaced atomically, so two awslab commands
running at once lose nothing and a crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from . import config
from .errors import AwslabError
from .i18n import t
from .statefiles import home_lock, write_atomic


def _path() -> Path:
    return config.home() / "progress.json"


@contextlib.contextmanager
def _locked():
    with home_lock("progress"):
        try:
            data = json.loads(_path().read_text())
        except FileNotFoundError:
            data = {}
        except ValueError as exc:
            raise AwslabError(t("err-progress-corrupt", path=_path(), problem=exc)) from None
        yield data
        write_atomic(_path(), json.dumps(data, indent=2, sort_keys=True))


def _entry(data: dict, account: str, scenario: str) -> dict:
    return data.setdefault(account, {}).setdefault(scenario, {"hints_used": 0})


def get(account: str, scenario: str) -> dict:
    try:
        data = json.loads(_path().read_text())
    except (FileNotFoundError, ValueError):
        return {"hints_used": 0}
    return data.get(account, {}).get(scenario, {"hints_used": 0})


def all_for(account: str) -> dict:
    try:
        return json.loads(_path().read_text()).get(account, {})
    except (FileNotFoundError, ValueError):
        return {}


def record_start(account: str, scenario: str) -> None:
    with _locked() as data:
        entry = _entry(data, account, scenario)
        entry["started_at"] = time.time()


def record_hint(account: str, scenario: str, total: int) -> int:
    """Mark one more hint as used; return its 1-based number (never more than `total`)."""
    with _locked() as data:
        entry = _entry(data, account, scenario)
        entry["hints_used"] = min(total, entry.get("hints_used", 0) + 1)
        return entry["hints_used"]


def record_grade(account: str, scenario: str, score: int, max_score: int, passed: bool) -> None:
    with _locked() as data:
        entry = _entry(data, account, scenario)
        entry["attempts"] = entry.get("attempts", 0) + 1
        entry["last_score"] = score
        entry["max_score"] = max_score
        entry["last_graded_at"] = time.time()
        if score >= entry.get("best_score", -1):
            entry["best_score"] = score
        entry["passed"] = entry.get("passed", False) or passed

