"""Checks on a loaded scenario beyond what the loader enforces (cfn-lint style): the rules every
scenario must meet before it reaches learners. `awslab validate` and the meta-tests both use them.

Each problem is one line: `<file>: <field>: <problem>`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from string import Template

from .scenario import Scenario

JAPANESE = ("\u3040", "\u30ff", "\u4e00", "\u9fff")  # kana, and CJK ideographs


def texts(sc: Scenario):
    """Every learner-facing text of a scenario as (field, {"ja": ..., "en": ...})."""
    yield "title", sc.title
    yield "summary", sc.summary
    yield "task", sc.task
    yield "end_state", sc.end_state
    for i, h in enumerate(sc.hints):
        yield f"hints[{i}].text", h.text
    for c in sc.checks:
        yield f"checks[{c.id}].title", c.title
        yield f"checks[{c.id}].hint", c.hint
        for key, text in c.messages.items():
            yield f"checks[{c.id}].messages.{key}", text


def _fields(text: str) -> set[str]:
    return {m.group("named") or m.group("braced") for m in Template.pattern.finditer(text)} - {None}


def _has_japanese(text: str) -> bool:
    return any(JAPANESE[0] <= ch <= JAPANESE[1] or JAPANESE[2] <= ch <= JAPANESE[3] for ch in text)


LIST_ITEM = re.compile(r"^\s*(\d+\.|[-*+])\s")


def _broken_japanese_line(text: str) -> bool:
    """A line break inside a Japanese paragraph turns into a stray space when Markdown joins the
    lines (Japanese has no spaces between words); each paragraph or list item needs one line."""
    lines, fenced = text.splitlines(), False
    for line, following in zip(lines, lines[1:], strict=False):
        if line.strip().startswith("```"):
            fenced = not fenced
        if fenced or not line.strip() or not following.strip() or LIST_ITEM.match(following):
            continue
        if following.strip().startswith("```"):
            continue
        if _has_japanese(line) and _has_japanese(following):
            return True
    return False


def lint(sc: Scenario) -> list[str]:
    meta = sc.path / "scenario.yaml"
    problems = []
    for field, text in texts(sc):
        if _fields(text["ja"]) != _fields(text["en"]):
            problems.append(f"{meta}: {field}: ja and en use different placeholders "
                            f"({sorted(_fields(text['ja']))} vs {sorted(_fields(text['en']))})")
        if not _has_japanese(text["ja"]):
            problems.append(f"{meta}: {field}.ja: no Japanese text (is it a copy of en?)")
        elif _broken_japanese_line(text["ja"]):
            problems.append(f"{meta}: {field}.ja: line break inside a paragraph (Markdown turns it into "
                            "a space): keep each Japanese paragraph or list item on one line")
    for c in sc.checks:
        if c.points <= 0:
            problems.append(f"{meta}: checks[{c.id}].points: a check must be worth points")
        if len(c.messages) < 2:
            problems.append(f"{meta}: checks[{c.id}].messages: needs at least one way to fail besides pass")
    if not sc.hints:
        problems.append(f"{meta}: hints: offer at least one progressive hint")
    if not sc.source.get("title"):
        problems.append(f"{meta}: source.title: name the post or AWS document the scenario comes from")
    problems += _lint_solution(sc)
    return problems


def _lint_solution(sc: Scenario) -> list[str]:
    out = subprocess.run([sys.executable, str(sc.solution_path), "--help"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return [f"{sc.solution_path}: --help: exits {out.returncode}: {last}"]
    return [f"{sc.solution_path}: options: no --{key} (awslab solve passes every name)"
            for key in sc.names if f"--{key}" not in out.stdout]

