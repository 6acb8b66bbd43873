"""The awslab command line: help, exit codes, one-line errors, formats (real emulator)."""

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from sandbox.runtime import free_port

COMMANDS = ["up", "down", "status", "env", "list", "show", "start", "grade", "hint", "solve", "reset", "validate"]
SCENARIO = "s3-sqs-notification"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    out = cli(command, "--help")
    assert out.returncode == 0
    assert "Usage: awslab " + command in out.stdout
    assert len(out.stdout.splitlines()) > 3


def _all_commands(group, prefix=()):
    import click

    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


def test_every_command_and_subcommand_has_help_in_both_languages():
    """Walks the real command tree, so a new command or subcommand cannot miss its help texts."""
    from click.testing import CliRunner

    from sandbox import i18n
    from sandbox.cli import build_cli

    helps = {}
    try:
        for lang in ("en", "ja"):
            i18n.use(lang)
            cli = build_cli()
            for path in _all_commands(cli):
                out = CliRunner().invoke(cli, [*path, "--help"])
                assert out.exit_code == 0, (path, out.output)
                assert "Usage: " in out.output and len(out.output.splitlines()) > 3, path
                helps[lang, path] = out.output
    finally:
        i18n._chosen = None
    paths = {path for _, path in helps}
    assert len(paths) > 30 and ("class", "grade") in paths and ("idp", "login") in paths
    same = [" ".join(p) for p in sorted(paths) if helps["en", p] == helps["ja", p]]
    assert not same, f"help not translated: {same}"


def test_help_in_japanese(cli):
    main = cli("--lang", "ja", "--help")
    assert main.returncode == 0 and "基本の流れ" in main.stdout
    grade = cli("grade", "--help", "--lang", "ja")
    assert "採点" in grade.stdout and "このヘルプを表示" in grade.stdout
    env = cli("env", "--help", env={"AWSLAB_LANG": "ja"})
    assert "学習者アカウント" in env.stdout


def test_errors_follow_the_language(cli, emulator):
    out = cli("grade", "no-such-scenario", "--lang", "ja")
    assert out.returncode == 2
    assert out.stderr.strip() == "awslab: エラー: シナリオ no-such-scenario はありません。`awslab list` で確認してください"


def _one_line_error(out, code=2):
    assert out.returncode == code, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_unknown_scenario(cli, emulator):
    line = _one_line_error(cli("grade", "no-such-scenario"))
    assert "unknown scenario no-such-scenario" in line


def test_emulator_down(cli, awslab_home):
    port = free_port()
    line = _one_line_error(cli("grade", SCENARIO, "--endpoint", f"http://127.0.0.1:{port}"))
    assert f"not running at http://127.0.0.1:{port}" in line
    assert "awslab up" in line
    assert _one_line_error(cli("status", "--endpoint", f"http://127.0.0.1:{port}"))


def test_bad_account_and_usage_errors(cli, emulator):
    assert "12 digits" in _one_line_error(cli("env", "--account", "42"))
    out = cli("grade", SCENARIO, "--format", "pdf")
    assert out.returncode == 2 and "Invalid value for '--format'" in out.stderr
    assert cli("grade").returncode == 2


def test_port_taken(cli, emulator, tmp_path):
    line = _one_line_error(cli("up", "--port", str(emulator.port), env={"AWSLAB_HOME": str(tmp_path)}))
    assert f"port {emulator.port} is already in use" in line


def test_env_output_is_eval_able(cli, emulator, account_id):
    out = cli("env", "--account", account_id)
    assert out.returncode == 0
    shell = subprocess.run(["bash", "-c", out.stdout + '\necho "$AWS_ACCESS_KEY_ID $AWS_DEFAULT_REGION $AWS_ENDPOINT_URL"'],
                           capture_output=True, text=True)
    assert shell.stdout.split() == [account_id, "ap-northeast-1", emulator.endpoint]


def test_learner_session_end_to_end(cli, emulator, account_id, tmp_path):
    acct = ["--account", account_id]
    out = cli("start", SCENARIO, *acct, "--lang", "ja")
    assert out.returncode == 0, out.stderr
    assert f"{account_id}-20220807-sqs-test" in out.stdout and "バケット" in out.stdout

    shown = json.loads(cli("show", SCENARIO, *acct, "--format", "json").stdout)
    assert shown["names"]["bucket"] == f"{account_id}-20220807-sqs-test"
    assert shown["names"]["bucket"] in shown["task"]

    graded = cli("grade", SCENARIO, *acct, "--format", "json")
    assert graded.returncode == 1
    assert json.loads(graded.stdout)["score"] == 0

    hint = cli("hint", SCENARIO, *acct)
    assert hint.returncode == 0 and "Hint 1 of 3" in hint.stdout

    assert cli("solve", SCENARIO, *acct).returncode == 0
    junit = tmp_path / "report.xml"
    out = cli("grade", SCENARIO, *acct, "--format", "junit", "--output", str(junit))
    assert out.returncode == 0, out.stdout + out.stderr
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["hints_used"] == "1" and props["score"] == "11"  # the first hint costs 1 point

    text = cli("grade", SCENARIO, *acct, "--lang", "en")
    assert text.returncode == 0 and "All checks passed." in text.stdout

    listed = cli("list", *acct)
    assert "11/12" in listed.stdout

    reset = cli("reset", *acct)
    assert reset.returncode == 0 and f"Account {account_id} was reset" in reset.stdout
    assert cli("grade", SCENARIO, *acct).returncode == 1


def test_status(cli, emulator):
    out = cli("status")
    assert out.returncode == 0 and emulator.endpoint in out.stdout


def test_failed_setup_leaves_nothing_half_done(account):
    from types import SimpleNamespace

    from sandbox.cli import _seed
    from sandbox.errors import AwslabError

    def setup(env):
        env.client("s3").create_bucket(
            Bucket=f"{env.account_id}-half", CreateBucketConfiguration={"LocationConstraint": env.region})
        raise RuntimeError("the second resource could not be created")

    fake = SimpleNamespace(id="fake-scenario", setup=setup, render_names=lambda account_id: {})
    with pytest.raises(AwslabError, match="setting up fake-scenario failed .*RuntimeError: the second resource"):
        _seed(fake, account)
    assert account.client("s3").list_buckets()["Buckets"] == []


def test_validate(cli, tmp_path):
    good = cli("validate")
    assert good.returncode == 0 and "ok: s3-sqs-notification" in good.stdout
    broken = tmp_path / "broken-one"
    broken.mkdir()
    (broken / "scenario.yaml").write_text("id: broken-one\n")
    out = cli("validate", str(broken))
    assert out.returncode == 1
    assert f"{broken}/scenario.yaml: names: missing" in out.stdout
    assert "1 problem(s) found." in out.stderr


def test_report_to_an_unwritable_place(cli, emulator, account_id, tmp_path):
    line = _one_line_error(cli("grade", SCENARIO, "--account", account_id, "--format", "json",
                               "--output", str(tmp_path / "no" / "such" / "dir" / "r.json")))
    assert "cannot write" in line and "No such file or directory" in line


def test_text_report_to_a_file(cli, emulator, account_id, tmp_path):
    target = tmp_path / "report.txt"
    out = cli("grade", SCENARIO, "--account", account_id, "--output", str(target))
    assert out.returncode == 1
    text = target.read_text()
    assert "Score: 0 / 12" in text and "\x1b[" not in text  # plain text, no colour codes
