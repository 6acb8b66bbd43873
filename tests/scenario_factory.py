"""Builds small scenario folders in a temporary directory for loader and engine tests."""

from __future__ import annotations

from pathlib import Path

import yaml


def text(en: str, ja: str | None = None) -> dict:
    return {"en": en, "ja": ja or f"{en} (日本語)"}


def make_scenario(root: Path, sid: str = "demo-scenario", checks: list[dict] | None = None,
                  checks_py: str | None = None, **overrides) -> Path:
    """A valid scenario folder; `overrides` replace top-level fields of scenario.yaml."""
    folder = root / sid
    folder.mkdir(parents=True)
    checks = checks or [
        {"id": "first-check", "points": 2, "title": text("First"), "hint": text("Do the first thing"),
         "messages": {"pass": text("ok"), "missing": text("missing $thing")}},
    ]
    data = {
        "id": sid,
        "source": {"title": "test"},
        "names": {"bucket": {"default": "my-bucket", "scope": "global"}, "queue": "MyQueue"},
        "title": text("Demo $queue"),
        "summary": text("Summary"),
        "task": text("Create $bucket and $queue"),
        "end_state": text("$bucket exists"),
        "hints": [{"cost": 1, "text": text("hint one")}, {"cost": 2, "text": text("hint two")}],
        "checks": checks,
    }
    data.update(overrides)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (folder / "checks.py").write_text(checks_py or (
        "from grader.check import passed, failed\n"
        "def first_check(ctx):\n"
        "    return passed()\n"
    ))
    (folder / "solution.py").write_text("print('solved')\n")
    return folder
