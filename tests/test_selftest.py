"""The scenario self-test (Instruqt `track test` style), for every scenario, on the real emulator:
a fresh account scores 0 with no check passing and none erroring; the reference solution scores
full marks; applying it twice, and grading twice, still does. Solution and grader run in an empty
working folder, as a learner's would (cloudfront-signed-url keeps its private key file there).

Each scenario runs twice: single-learner (any secret) and in classroom mode, where every request of
the setup, the solution (the real `awslab solve` CLI) and the grader is signed with a registered
learner's secret and checked by the emulator, as in a class."""

import pytest

from grader import engine
from grader import scenario as scenarios
from sandbox.accounts import Account
from sandbox.emulator import EmulatorClient

ALL = scenarios.load_all()


def _self_test(sc, account, cli, cwd, env=None):
    EmulatorClient.for_account(account).reset_account(account.account_id)
    if sc.setup:
        from grader.check import Env

        sc.setup(Env(account, sc.render_names(account.account_id)))

    fresh = engine.grade(sc, account, "en")
    statuses = {c.id: c.status for c in fresh.checks}
    assert fresh.score == 0, statuses
    assert "error" not in statuses.values(), [c.message for c in fresh.checks]
    # Checks without prerequisites fail; the rest are skipped because a prerequisite failed.
    for c in sc.checks:
        assert statuses[c.id] == ("skipped" if c.depends_on else "fail"), c.id

    for _applied in (1, 2):  # the solution is applied twice
        out = cli("solve", sc.id, "--account", account.account_id, "--endpoint", account.endpoint, cwd=cwd, env=env)
        assert out.returncode == 0, out.stderr
        for _ in range(2):  # grading leaves no trace that changes the next grade
            solved = engine.grade(sc, account, "en")
            assert solved.score == solved.max_score, [
                (c.id, c.status, c.message) for c in solved.checks if c.status != "pass"]
            assert solved.passed and solved.gradable and not solved.cleanup_problems


@pytest.mark.parametrize("sc", ALL, ids=[s.id for s in ALL])
def test_scenario_self_test(sc, account, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _self_test(sc, account, cli, tmp_path)


@pytest.mark.parametrize("sc", ALL, ids=[s.id for s in ALL])
def test_scenario_self_test_in_classroom_mode(sc, classroom, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    learner = classroom.registry.add_account(f"selftest-{sc.id}")
    account = Account(learner.account_id, "ap-northeast-1", classroom.endpoint, learner.secret)
    # The CLI finds the learner's secret in the class registry of this AWSLAB_HOME.
    _self_test(sc, account, cli, tmp_path, env={"AWSLAB_HOME": str(classroom.home)})
