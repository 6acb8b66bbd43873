"""Meta-tests over every scenario folder: loads, ids, and the lint rules (both languages with the
same placeholders, Japanese in ja, a hint and a fail message per check, the solution's options),
plus proof that each lint rule catches what it should."""

import pytest

from grader import lint
from grader import scenario as scenarios

from .scenario_factory import make_scenario, text

ALL = scenarios.load_all()
IDS = [s.id for s in ALL]


def test_there_are_scenarios():
    assert "s3-sqs-notification" in IDS


def test_ids_are_unique_and_equal_folder_names():
    assert len(IDS) == len(set(IDS))
    for sc in ALL:
        assert sc.path.name == sc.id


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_scenario_passes_lint(sc):
    assert lint.lint(sc) == []


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_every_text_is_bilingual(sc):
    for field, value in lint.texts(sc):
        assert value["ja"].strip() and value["en"].strip(), field


GOOD_SOLUTION = "import argparse\np = argparse.ArgumentParser()\np.add_argument('--bucket')\np.add_argument('--queue')\np.parse_args()\n"


def _linted(tmp_path, solution=GOOD_SOLUTION, **overrides):
    folder = make_scenario(tmp_path, **overrides)
    (folder / "solution.py").write_text(solution)
    return lint.lint(scenarios.load(folder))


def test_lint_accepts_a_good_scenario(tmp_path):
    assert _linted(tmp_path) == []


def test_japanese_lists_and_paragraphs_on_their_own_lines_are_fine(tmp_path):
    task = {"en": "Create $bucket", "ja": "作成します。\n\n1. バケット $bucket を作る\n2. キューを作る\n\n```\naws s3 mb\n```"}
    assert _linted(tmp_path, task=task) == []


@pytest.mark.parametrize("overrides, expected", [
    ({"title": {"en": "Demo", "ja": "Demo"}}, "title.ja: no Japanese text"),
    ({"task": {"en": "Create $bucket", "ja": "作成 $queue"}}, "task: ja and en use different placeholders"),
    ({"hints": []}, "hints: offer at least one progressive hint"),
    ({"task": {"en": "Create $bucket", "ja": "バケット $bucket を\n作成します"}}, "task.ja: line break inside a paragraph"),
    ({"source": {}}, "source.title: name the post"),
    ({"checks": [{"id": "first-check", "points": 0, "title": text("t"), "hint": text("h"),
                  "messages": {"pass": text("ok"), "no": text("no")}}]}, "points: a check must be worth points"),
    ({"checks": [{"id": "first-check", "points": 1, "title": text("t"), "hint": text("h"),
                  "messages": {"pass": text("ok")}}]}, "needs at least one way to fail"),
])
def test_lint_rules_catch_problems(tmp_path, overrides, expected):
    problems = _linted(tmp_path, **overrides)
    assert any(expected in p for p in problems), problems


def test_lint_checks_the_solution_options(tmp_path):
    problems = _linted(tmp_path, solution="import argparse\nargparse.ArgumentParser().parse_args()\n")
    assert any("no --bucket" in p for p in problems) and any("no --queue" in p for p in problems)
    problems = _linted(tmp_path / "b", solution="raise SystemExit('broken')\n")
    assert any("--help: exits 1: broken" in p for p in problems)
