"""Meta-tests over every scenario folder: loads, ids, both languages, hints, solution interface."""

import subprocess
import sys
from string import Template

import pytest

from grader import scenario as scenarios
from sandbox.i18n import LANGS

ALL = scenarios.load_all()
IDS = [s.id for s in ALL]


def test_there_are_scenarios():
    assert "s3-sqs-notification" in IDS


def test_ids_are_unique_and_equal_folder_names():
    assert len(IDS) == len(set(IDS))
    for sc in ALL:
        assert sc.path.name == sc.id


def _texts(sc):
    yield "title", sc.title
    yield "summary", sc.summary
    yield "task", sc.task
    yield "end_state", sc.end_state
    for i, h in enumerate(sc.hints):
        yield f"hints[{i}]", h.text
    for c in sc.checks:
        yield f"{c.id}.title", c.title
        yield f"{c.id}.hint", c.hint
        for key, text in c.messages.items():
            yield f"{c.id}.messages.{key}", text


def _fields(text):
    return {m.group("named") or m.group("braced") for m in Template.pattern.finditer(text)} - {None}


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_every_text_exists_in_ja_and_en_with_the_same_placeholders(sc):
    for where, text in _texts(sc):
        assert set(text) == set(LANGS), where
        for lang in LANGS:
            assert text[lang].strip(), f"{sc.id} {where}.{lang} is empty"
        assert _fields(text["ja"]) == _fields(text["en"]), f"{sc.id} {where}: placeholders differ"


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_japanese_texts_are_japanese(sc):
    # A copy of the English text under `ja` would pass the presence test; require Japanese script.
    for where, text in _texts(sc):
        assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text["ja"]), where


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_every_check_has_a_hint_and_points(sc):
    for c in sc.checks:
        assert c.hint["ja"].strip() and c.hint["en"].strip(), c.id
        assert c.points > 0, c.id
        assert "pass" in c.messages and len(c.messages) >= 2, f"{c.id}: needs a pass and a fail message"
    assert sc.max_score > 0
    assert sc.hints, "a scenario offers at least one progressive hint"


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_solution_accepts_every_name_as_an_option(sc):
    out = subprocess.run([sys.executable, str(sc.solution_path), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for key in sc.names:
        assert f"--{key}" in out.stdout, f"solution.py of {sc.id} lacks --{key}"


@pytest.mark.parametrize("sc", ALL, ids=IDS)
def test_source_is_named(sc):
    assert sc.source.get("title"), "name the seed post or AWS document the scenario comes from"
