"""Classroom: the class registry (SQLite, durable), credentials sheet, `awslab class grade` of 30
accounts with its exports checked against their formats, and `awslab grade-submission`."""

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from grader import scenario as scenarios
from sandbox.classroom import sheet
from sandbox.classroom.registry import Registry, read_roster
from sandbox.errors import AwslabError

REPO = Path(__file__).resolve().parent.parent
SCENARIO = "s3-sqs-notification"
GRADESCOPE = json.loads((REPO / "tests" / "schemas" / "gradescope-results.schema.json").read_text())


def test_create_class_makes_accounts_and_secrets_that_survive_a_restart(tmp_path, cli):
    out = cli("class", "create", "--learners", "30", "--endpoint", "http://teacher:4566", "--format", "text",
              env={"AWSLAB_HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    learners = Registry(tmp_path / "classroom.db").learners()  # a new connection: what is on disk
    assert len(learners) == 30 and len({x.account_id for x in learners}) == 30
    assert all(len(x.account_id) == 12 and x.account_id.isdigit() and x.account_id != "000000000000"
               for x in learners)
    assert len({x.secret for x in learners}) == 30 and all(len(x.secret) == 40 for x in learners)
    text = (tmp_path / "credentials.txt").read_text()
    assert text.count("awslab credentials for learner-") == 30 and learners[7].secret in text
    # another process (a restart) sees the same class; a second create is refused, nothing changes
    listed = cli("class", "list", env={"AWSLAB_HOME": str(tmp_path)})
    assert listed.returncode == 0 and learners[29].account_id in listed.stdout
    again = cli("class", "create", "--learners", "2", env={"AWSLAB_HOME": str(tmp_path)})
    assert again.returncode == 2 and "already exists" in again.stderr.strip()
    assert Registry(tmp_path / "classroom.db").learners() == learners


def test_roster_files(tmp_path):
    with_header = tmp_path / "a.csv"
    with_header.write_text("id,Name,email\n1,Sato Hanako,h@x\n2,Suzuki Ichiro,i@x\n\n", encoding="utf-8")
    assert read_roster(with_header) == ["Sato Hanako", "Suzuki Ichiro"]
    plain = tmp_path / "b.csv"
    plain.write_text("佐藤 花子\n鈴木 一郎\n", encoding="utf-8")
    assert read_roster(plain) == ["佐藤 花子", "鈴木 一郎"]
    registry = Registry(tmp_path / "classroom.db")
    with pytest.raises(AwslabError, match="appears twice"):
        registry.create_class(["x", "y", "x"], "http://e", "ap-northeast-1")
    with pytest.raises(AwslabError, match="at least one learner"):
        registry.create_class([], "http://e", "ap-northeast-1")
    assert registry.learners() == []  # a bad roster leaves nothing behind
    assert [x.name for x in registry.create_class(read_roster(plain), "http://e", "ap-northeast-1")] == ["佐藤 花子", "鈴木 一郎"]


def test_credentials_sheet_has_one_card_per_learner_and_a_working_setup_line(tmp_path):
    registry = Registry(tmp_path / "classroom.db")
    learners = registry.create_class(["<Ann>", "Bo"], "http://teacher:4566", "ap-northeast-1")
    page = sheet.render("html", learners, "http://teacher:4566", "ap-northeast-1", "ja")
    assert page.count('class="card"') == 2 and "&lt;Ann&gt;" in page and "page-break-inside: avoid" in page
    # the card's shell line sets the learner's credentials up through `awslab env`
    line = sheet.setup_line(learners[1], "http://teacher:4566", "ap-northeast-1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}", AWSLAB_HOME=str(tmp_path / "other"))
    shell = subprocess.run(["bash", "-c", line + '\necho "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_ENDPOINT_URL"'],
                           capture_output=True, text=True, env=env)
    assert shell.stdout.split() == [learners[1].account_id, learners[1].secret, "http://teacher:4566"], shell.stderr


def _solve(account_id: str, secret: str, endpoint: str, monkeypatch) -> None:
    """The scenario's reference solution, run in-process as that learner (faster than 20 CLIs)."""
    sc = scenarios.get(SCENARIO)
    spec = importlib.util.spec_from_file_location("solution_under_test", sc.solution_path)
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    with monkeypatch.context() as m:
        for key, value in {"AWS_ACCESS_KEY_ID": account_id, "AWS_SECRET_ACCESS_KEY": secret,
                           "AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "ap-northeast-1"}.items():
            m.setenv(key, value)
        m.setattr(sys, "argv", ["solution.py", "--bucket", sc.render_names(account_id)["bucket"]])
        solution.main()


def test_class_grade_of_30_learners_and_its_exports(tmp_path, classroom, cli, monkeypatch, capsys):
    # 30 more learners in the registry the classroom emulator reads (its AWSLAB_HOME is the CLI's too)
    registry = classroom.registry
    learners = [registry.add_account(f"grade-{i:02d}", kind="learner") for i in range(30)]
    solved = learners[:20]
    for x in solved:
        _solve(x.account_id, x.secret, classroom.endpoint, monkeypatch)
    capsys.readouterr()
    hinted = solved[0]
    registry.record_hint(hinted.account_id, SCENARIO, total=3)

    out_dir = tmp_path / "book"
    out = cli("class", "grade", SCENARIO, "--out", str(out_dir), "--endpoint", classroom.endpoint,
              env={"AWSLAB_HOME": str(classroom.home)}, timeout=300)
    assert out.returncode == 1, out.stderr  # some learners below full marks
    assert "Grading" in out.stderr  # the progress bar

    rows = list(csv.DictReader(io.StringIO((out_dir / "gradebook.csv").read_text())))
    by_account = {r["account"]: r for r in rows}
    assert len(rows) == len(registry.learners()) and rows[0].keys() >= {"account", "name", SCENARIO, "hints_used"}
    max_score = scenarios.get(SCENARIO).max_score
    cost = scenarios.get(SCENARIO).hints[0].cost
    for x in solved[1:]:
        assert by_account[x.account_id][SCENARIO] == str(max_score) and by_account[x.account_id]["status"] == "complete"
    assert by_account[hinted.account_id][SCENARIO] == str(max_score - cost)
    assert by_account[hinted.account_id]["hints_used"] == "1"
    for x in learners[20:]:
        assert by_account[x.account_id][SCENARIO] == "0" and by_account[x.account_id]["status"] == "incomplete"

    for x in (solved[1], learners[25]):
        suites = ET.parse(out_dir / "junit" / f"{x.account_id}.xml").getroot()
        assert suites.tag == "testsuites" and suites[0].tag == "testsuite" and suites[0].get("name") == SCENARIO
        assert len(suites[0].findall("testcase")) == len(scenarios.get(SCENARIO).checks)
        results = json.loads((out_dir / "gradescope" / x.account_id / "results.json").read_text())
        jsonschema.Draft7Validator(GRADESCOPE).validate(results)
    assert json.loads((out_dir / "gradescope" / solved[1].account_id / "results.json").read_text())["score"] == max_score
    failing = ET.parse(out_dir / "junit" / f"{learners[25].account_id}.xml").getroot()
    assert int(failing.get("failures")) >= 1

    # the grades are in the registry: a new process lists them
    listed = cli("class", "list", env={"AWSLAB_HOME": str(classroom.home)})
    assert f"{SCENARIO} {max_score}/{max_score}" in listed.stdout


def test_gradescope_schema_rejects_what_gradescope_would(classroom):
    validator = jsonschema.Draft7Validator(GRADESCOPE)
    assert not validator.is_valid({"tests": [{"name": "t", "status": "ok", "score": 1}]})
    assert not validator.is_valid({"output": "no score anywhere"})
    assert validator.is_valid({"tests": [{"name": "t", "score": 1, "max_score": 1, "status": "passed"}]})


def _submission(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(text)
    return folder


def test_grade_submission_runs_scripts_in_fresh_accounts_and_survives_crashes_and_hangs(tmp_path, classroom, cli):
    solution = (REPO / "scenarios" / SCENARIO / "solution.py").read_text()
    good = _submission(tmp_path, "good", {"lib/solution.py": solution,
                                          "build.sh": 'set -e\npython lib/solution.py --bucket "$AWSLAB_NAME_BUCKET"\n'})
    pid_file = tmp_path / "hang.pid"
    hang = _submission(tmp_path, "hang", {"wait.py": f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n"})
    crash = _submission(tmp_path, "crash", {"a_crash.py": "raise SystemExit(3)\n",
                                            "b_then.sh": "echo still ran\n"})
    empty = _submission(tmp_path, "empty", {"README.txt": "nothing to run"})
    # Warm the emulator's services first (S3, SQS and the grader's first calls load them: up to 20 s
    # on a cold, busy machine), so the 4 s limit below measures the scripts, not LocalStack's start.
    warm = cli("grade-submission", str(good), "--scenario", SCENARIO, "--timeout", "120", "--out",
               str(tmp_path / "warm-up"), "--endpoint", classroom.endpoint,
               env={"AWSLAB_HOME": str(classroom.home)}, timeout=300)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    out_dir = tmp_path / "out"
    out = cli("grade-submission", str(good), str(hang), str(crash), str(empty), "--scenario", SCENARIO,
              "--timeout", "4", "--out", str(out_dir), "--endpoint", classroom.endpoint,
              env={"AWSLAB_HOME": str(classroom.home)}, timeout=300)
    assert out.returncode == 1, out.stderr
    max_score = scenarios.get(SCENARIO).max_score
    lines = {line.split(":", 1)[0]: line for line in out.stdout.splitlines() if line.startswith(str(tmp_path))}
    assert f"score {max_score}/{max_score}" in lines[str(good)] and "[ok]" in lines[str(good)]
    assert "[timed-out]" in lines[str(hang)] and "score 0/" in lines[str(hang)]
    assert "[crashed] a_crash.py exited with code 3" in lines[str(crash)]
    assert "[no-scripts]" in lines[str(empty)]
    assert "still ran" in (out_dir / "crash" / "run.log").read_text()  # a crash does not stop the next script
    hung_pid = int(pid_file.read_text())
    assert not Path(f"/proc/{hung_pid}").exists() or "Z" in Path(f"/proc/{hung_pid}/stat").read_text().split()[2]
    accounts = {line.split("account ")[1].split(",")[0] for line in lines.values()}
    assert len(accounts) == 4  # one fresh account each
    for name in ("good", "hang", "crash", "empty"):
        results = json.loads((out_dir / name / "results.json").read_text())
        jsonschema.Draft7Validator(GRADESCOPE).validate(results)
        assert ET.parse(out_dir / name / "junit.xml").getroot().tag == "testsuites"
    assert json.loads((out_dir / "good" / "results.json").read_text())["score"] == max_score


@pytest.mark.parametrize("command", [["class", "create"], ["class", "list"], ["class", "sheet"], ["class", "grade"],
                                     ["grade-submission"], ["serve"]])
def test_classroom_commands_have_help_in_both_languages(cli, command):
    en = cli(*command, "--help")
    assert en.returncode == 0 and f"Usage: awslab {' '.join(command)}" in en.stdout
    ja = cli(*command, "--help", "--lang", "ja")
    assert ja.returncode == 0 and "このヘルプを表示" in ja.stdout


def test_class_commands_without_a_class_say_so_in_one_line(cli, tmp_path):
    out = cli("class", "grade", env={"AWSLAB_HOME": str(tmp_path)})
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0
    assert "no class in" in out.stderr and "awslab class create" in out.stderr
    both = cli("class", "create", "--learners", "3", "--roster", __file__, env={"AWSLAB_HOME": str(tmp_path)})
    assert both.returncode == 2 and "either --learners N or --roster FILE" in both.stderr


def test_the_credentials_sheets_setup_line_works_in_a_second_shell(tmp_path, emulator, cli):
    """The line printed on a learner's card, pasted into a fresh shell (no AWSLAB_HOME state, no
    environment from the teacher), lets the learner's next `awslab grade` reach the class's emulator."""
    teacher = tmp_path / "teacher"
    made = cli("class", "create", "--learners", "1", "--endpoint", emulator.endpoint, "--format", "text",
               "--sheet", str(tmp_path / "sheet.txt"), env={"AWSLAB_HOME": str(teacher)})
    assert made.returncode == 0, made.stderr
    line = next(x.strip() for x in (tmp_path / "sheet.txt").read_text().splitlines() if x.strip().startswith("eval "))
    learner_env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
                   "AWSLAB_HOME": str(tmp_path / "learner"), "AWSLAB_LANG": "en"}
    shell = subprocess.run(["bash", "-c", f'{line}\nawslab grade {SCENARIO} --format json'],
                           capture_output=True, text=True, env=learner_env, timeout=180)
    assert shell.returncode == 1, shell.stderr  # graded: a fresh account scores 0
    result = json.loads(shell.stdout)
    assert result["score"] == 0 and result["gradable"] and result["account"] != "000000000000"
