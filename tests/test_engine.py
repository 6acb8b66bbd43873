"""The grading engine and reporters on small scenarios with fake checks (pure logic, no emulator)."""

import json
import xml.etree.ElementTree as ET

from grader import engine, report
from grader import scenario as scenarios
from sandbox.accounts import Account
from sandbox.runtime import free_port

from .scenario_factory import make_scenario, text

CHECKS_PY = '''
import time
from grader.check import passed, failed

def ok(ctx):
    return passed(thing="x")

def bad(ctx):
    return failed("missing", thing=ctx.names["bucket"])

def needs_bad(ctx):
    raise AssertionError("must not run: its dependency failed")

def boom(ctx):
    raise KeyError("Policy")

def slow(ctx):
    time.sleep(5)
    return passed()

def unknown_key(ctx):
    return failed("no-such-message")

def emulator_call(ctx):
    ctx.client("s3").list_buckets()
    return passed()

def flow(ctx):
    ctx.memo.setdefault("log", []).append("flow")
    ctx.on_cleanup(lambda: ctx.memo["log"].append("cleaned"))
    return passed()
'''


def spec(cid, points=1, **extra):
    return {"id": cid, "points": points, "title": text(f"title {cid}"), "hint": text(f"hint {cid}"),
            "messages": {"pass": text("passed $thing"), "missing": text("no $thing in $account")}, **extra}


def load(tmp_path, checks):
    return scenarios.load(make_scenario(tmp_path, checks=checks, checks_py=CHECKS_PY))


def account():
    # Nothing listens here: only the emulator_call check tries to connect.
    return Account("123456789012", "ap-northeast-1", f"http://127.0.0.1:{free_port()}")


def test_statuses_points_and_messages(tmp_path):
    sc = load(tmp_path, [spec("ok", 2), spec("bad", 3), spec("needs-bad", 4, depends_on=["bad"])])
    result = engine.grade(sc, account(), "en")
    by_id = {c.id: c for c in result.checks}
    assert by_id["ok"].status == "pass" and by_id["ok"].earned == 2 and by_id["ok"].hint == ""
    assert by_id["bad"].status == "fail" and by_id["bad"].earned == 0
    assert by_id["bad"].message == "no 123456789012-my-bucket in 123456789012"
    assert by_id["bad"].hint == "hint bad"
    assert by_id["needs-bad"].status == "skipped"
    assert "bad" in by_id["needs-bad"].message
    assert (result.score, result.max_score, result.passed, result.gradable) == (2, 9, False, True)


def test_exceptions_and_timeouts_are_errors_not_zero(tmp_path):
    sc = load(tmp_path, [spec("boom"), spec("slow", timeout_s=0.3), spec("unknown-key"), spec("ok")])
    result = engine.grade(sc, account(), "ja")
    by_id = {c.id: c for c in result.checks}
    assert by_id["boom"].status == "error" and "KeyError" in by_id["boom"].message
    assert by_id["slow"].status == "error" and "0.3" in by_id["slow"].message
    assert by_id["unknown-key"].status == "error" and "no-such-message" in by_id["unknown-key"].message
    assert by_id["ok"].status == "pass"
    assert result.gradable is False


def test_unreachable_emulator_is_reported_as_such(tmp_path):
    sc = load(tmp_path, [spec("emulator-call")])
    result = engine.grade(sc, account(), "en")
    assert result.checks[0].status == "error"
    assert "did not answer" in result.checks[0].message


def test_cleanups_run_after_all_checks(tmp_path):
    sc = load(tmp_path, [spec("flow"), spec("ok")])
    result = engine.grade(sc, account(), "en")
    assert result.passed and result.cleanup_problems == []


def test_hint_penalty_lowers_score_but_not_completion(tmp_path):
    sc = load(tmp_path, [spec("ok", 5)])
    result = engine.grade(sc, account(), "en", hints_used=2)  # costs 1 + 2
    assert (result.score, result.max_score, result.passed) == (2, 5, True)


def test_json_matches_the_design_contract(tmp_path):
    sc = load(tmp_path, [spec("ok"), spec("bad")])
    body = json.loads(report.to_json(engine.grade(sc, account(), "en")))
    assert list(body) == ["scenario", "account", "region", "score", "max_score", "passed", "gradable",
                          "duration_s", "hints_used", "checks"]
    assert list(body["checks"][0]) == ["id", "title", "status", "points", "earned", "message", "hint"]
    assert body["checks"][1]["status"] == "fail"
    assert isinstance(body["duration_s"], float)


def test_junit_xml(tmp_path):
    sc = load(tmp_path, [spec("ok"), spec("bad"), spec("needs-bad", depends_on=["bad"]), spec("boom")])
    root = ET.fromstring(report.to_junit(engine.grade(sc, account(), "en")))
    assert root.tag == "testsuite"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("4", "1", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["bad"].find("failure").get("message").startswith("no ")
    assert cases["needs-bad"].find("skipped") is not None
    assert cases["boom"].find("error") is not None


def test_text_report_in_both_languages(tmp_path):
    from rich.console import Console

    sc = load(tmp_path, [spec("ok"), spec("bad")])
    for lang, word in (("en", "Score: 1 / 2"), ("ja", "得点: 1 / 2")):
        console = Console(record=True, width=200)
        report.print_text(engine.grade(sc, account(), lang), "Demo", console)
        assert word in console.export_text()


def test_only_runs_the_selected_checks_and_their_prerequisites(tmp_path):
    import pytest

    from sandbox.errors import AwslabError

    sc = load(tmp_path, [spec("ok"), spec("bad"), spec("flow", depends_on=["ok"])])
    result = engine.grade(sc, account(), "en", only=["flow"])
    assert [c.id for c in result.checks] == ["ok", "flow"]
    assert result.passed
    with pytest.raises(AwslabError, match="unknown check nope in demo-scenario"):
        engine.grade(sc, account(), "en", only=["nope"])


def test_corrupt_progress_file_is_reported(tmp_path, monkeypatch):
    import pytest

    from sandbox import progress
    from sandbox.errors import AwslabError

    monkeypatch.setenv("AWSLAB_HOME", str(tmp_path))
    (tmp_path / "progress.json").write_text("{half written")
    with pytest.raises(AwslabError, match="progress.json is not valid JSON"):
        progress.record_hint("123456789012", "s", total=3)
    assert (tmp_path / "progress.json").read_text() == "{half written"  # left for the user to inspect
