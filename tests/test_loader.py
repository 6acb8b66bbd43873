"""A broken scenario is reported with its file and field, never half-loaded."""

import pytest
import yaml

from grader import scenario as scenarios
from grader.scenario import ScenarioError

from .scenario_factory import make_scenario, text


def _edit(folder, fn):
    path = folder / "scenario.yaml"
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_valid_scenario_loads(tmp_path):
    sc = scenarios.load(make_scenario(tmp_path))
    assert sc.id == "demo-scenario"
    assert sc.max_score == 2
    assert [h.cost for h in sc.hints] == [1, 2]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["title"].pop("ja"), "title.ja: missing text"),
        (lambda d: d["checks"][0]["hint"].pop("en"), "checks[first-check].hint.en: missing text"),
        (lambda d: d["checks"][0]["messages"].pop("pass"), "checks[first-check].messages.pass: missing"),
        (lambda d: d.update(id="other-id"), "id: 'other-id' differs from the folder name"),
        (lambda d: d["checks"][0].update(depends_on=["nope"]), "checks[first-check].depends_on: 'nope'"),
        (lambda d: d["checks"][0].pop("points"), "checks[first-check].points: missing"),
        (lambda d: d["task"].update(en="Create $bukket"), "task.en: unknown placeholder $bukket"),
        (lambda d: d["title"].update(fr="Titre"), "title: unknown language 'fr'"),
        (lambda d: d.update(checks=[]), "checks: a scenario needs at least one check"),
        (lambda d: d["checks"].append(dict(d["checks"][0])), "checks[first-check].id: duplicate check id"),
    ],
)
def test_broken_field_is_named(tmp_path, mutate, expected):
    folder = make_scenario(tmp_path)
    _edit(folder, mutate)
    with pytest.raises(ScenarioError) as err:
        scenarios.load(folder)
    assert str(folder / "scenario.yaml") in str(err.value)
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    folder = make_scenario(tmp_path)
    (folder / "scenario.yaml").write_text("id: demo-scenario\ntitle: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"scenario.yaml: line \d+: invalid YAML"):
        scenarios.load(folder)


def test_missing_check_function_is_named(tmp_path):
    folder = make_scenario(tmp_path, checks_py="def something_else(ctx):\n    pass\n")
    with pytest.raises(ScenarioError, match=r"checks.py: first_check: no function for check 'first-check'"):
        scenarios.load(folder)


def test_checks_module_that_fails_to_import_is_reported(tmp_path):
    folder = make_scenario(tmp_path, checks_py="import does_not_exist_anywhere\n")
    with pytest.raises(ScenarioError, match=r"checks.py: cannot be imported: ModuleNotFoundError"):
        scenarios.load(folder)


def test_missing_solution_is_reported(tmp_path):
    folder = make_scenario(tmp_path)
    (folder / "solution.py").unlink()
    with pytest.raises(ScenarioError, match="solution.py: missing"):
        scenarios.load(folder)


def test_per_learner_names(monkeypatch, tmp_path):
    sc = scenarios.load(make_scenario(tmp_path))
    monkeypatch.delenv("AWSLAB_NAMING", raising=False)
    assert sc.render_names("000000000000") == {"bucket": "my-bucket", "queue": "MyQueue"}
    assert sc.render_names("123456789012") == {"bucket": "123456789012-my-bucket", "queue": "MyQueue"}
    monkeypatch.setenv("AWSLAB_NAMING", "blog")
    assert sc.render_names("123456789012")["bucket"] == "my-bucket"
    monkeypatch.setenv("AWSLAB_NAMING", "per-learner")
    assert sc.render_names("000000000000")["bucket"] == "000000000000-my-bucket"
    monkeypatch.setenv("AWSLAB_NAMING", "bogus")
    with pytest.raises(Exception, match="AWSLAB_NAMING must be"):
        sc.render_names("000000000000")


def test_text_helper_is_bilingual():
    assert set(text("x")) == {"en", "ja"}


def test_account_and_region_placeholders_fill_every_text(tmp_path, monkeypatch):
    monkeypatch.delenv("AWSLAB_NAMING", raising=False)
    folder = make_scenario(tmp_path, title={"ja": "$account の課題", "en": "Task for $account"},
                           task={"ja": "$region で $bucket", "en": "In $region: $bucket"})
    sc = scenarios.load(folder)
    assert sc.text("title", "en", "123456789012", "us-east-1") == "Task for 123456789012"
    assert sc.text("task", "ja", "123456789012", "us-east-1") == "us-east-1 で 123456789012-my-bucket"
