"""Each scenario against more builds than its reference solution, on the real emulator: correct
builds that differ from it (other policy forms, patterns, aliases, tools' habits) must score full
marks; wrong ones (including attempts to game the flow checks: a script of the learner's own that
produces the end state) must fail the checks the variant names, with the message it names, and
no check may error.

A variant is tests/variants/<scenario id>/<name>.py with a docstring saying what it builds, and
  EXPECT = "full"                           or
  EXPECT = {"check-id": "text in its message", ...}   (each must fail)
  def build(learner): ...                   tests/variants/learner.py: the learner's own clients
  def background(learner, stop): ...        optional: runs in a thread while the grader grades
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

from grader import engine
from grader import scenario as scenarios
from sandbox.emulator import EmulatorClient

from .variants.learner import Learner

ROOT = Path(__file__).parent / "variants"
VARIANTS = sorted(p for p in ROOT.glob("*/*.py") if not p.name.startswith("_"))


def _load(path: Path):
    # a scenario's variants share its folder's _common.py (imported as `_common`)
    common = path.parent / "_common.py"
    sys.modules.pop("_common", None)
    if common.exists():
        spec = importlib.util.spec_from_file_location("_common", common)
        sys.modules["_common"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["_common"])
    spec = importlib.util.spec_from_file_location(f"variant_{path.parent.name}_{path.stem}".replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", VARIANTS, ids=[f"{p.parent.name}/{p.stem}" for p in VARIANTS])
def test_variant(path, account, cli, tmp_path, monkeypatch):
    variant = _load(path)
    sc = scenarios.get(path.parent.name)
    assert variant.__doc__ and (variant.EXPECT == "full" or isinstance(variant.EXPECT, dict))
    monkeypatch.chdir(tmp_path)
    EmulatorClient(account.endpoint).reset_account(account.account_id)
    names = sc.render_names(account.account_id)
    learner = Learner(account, names, lambda: cli("solve", sc.id, "--account", account.account_id, cwd=tmp_path))
    if sc.setup:
        sc.setup(learner)
    variant.build(learner)

    stop = threading.Event()
    worker = None
    if hasattr(variant, "background"):
        worker = threading.Thread(target=variant.background, args=(learner, stop), daemon=True)
        worker.start()
    try:
        result = engine.grade(sc, account, "en")
    finally:
        stop.set()
        if worker:
            worker.join(timeout=30)
    checks = {c.id: c for c in result.checks}
    shown = [(c.id, c.status, c.message) for c in result.checks if c.status != "pass"]
    assert not [c for c in result.checks if c.status == "error"], shown
    if variant.EXPECT == "full":
        assert result.score == result.max_score, shown
        return
    for check_id, text in variant.EXPECT.items():
        assert checks[check_id].status == "fail", (check_id, shown)
        assert text in checks[check_id].message, (check_id, checks[check_id].message)
