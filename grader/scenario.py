"""Scenario folders: loading, validation and rendering of learner names.

A scenario is a folder scenarios/<id>/ with
- scenario.yaml  metadata, names, and every learner-facing text in ja and en (see docs/scenarios.md);
- checks.py      one function per check, named after the check id (bucket-exists -> bucket_exists);
- solution.py    the reference solution, a standalone boto3 script (python solution.py --help);
- setup.py       optional: `setup(env)` seeds the preconditions that `awslab start` creates.
A broken scenario is reported as `<file>: <field>: <problem>`.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from types import ModuleType


from sandbox import config, yamlio
from sandbox.errors import AwslabError
from sandbox.i18n import LANGS

SCENARIOS_ROOT = Path(__file__).resolve().parent.parent / "scenarios"
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_CHECK_TIMEOUT_S = 20.0


class ScenarioError(AwslabError):
    """A scenario folder is broken; the message names the file and the field."""


Text = dict[str, str]  # {"ja": ..., "en": ...}


@dataclass
class NameSpec:
    default: str
    # "global" names (S3 buckets) collide between learners of one emulator: rendered per learner.
    scope: str = "account"


@dataclass
class CheckSpec:
    id: str
    points: int
    title: Text
    hint: Text
    messages: dict[str, Text]
    depends_on: list[str] = field(default_factory=list)
    timeout_s: float = DEFAULT_CHECK_TIMEOUT_S
    fn: object = None


@dataclass
class Hint:
    text: Text
    cost: int = 0


@dataclass
class Scenario:
    id: str
    path: Path
    title: Text
    summary: Text
    task: Text
    end_state: Text
    services: list[str]
    source: dict
    names: dict[str, NameSpec]
    checks: list[CheckSpec]
    hints: list[Hint]
    setup: object = None  # callable(env) or None

    @property
    def max_score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def solution_path(self) -> Path:
        return self.path / "solution.py"

    def solution_args(self, names: dict[str, str]) -> list[str]:
        """The command that applies the reference solution with these names (--<name> <value>)."""
        args = [sys.executable, str(self.solution_path)]
        for key, value in names.items():
            args += [f"--{key}", value]
        return args

    def check(self, check_id: str) -> CheckSpec:
        return next(c for c in self.checks if c.id == check_id)

    def render_names(self, account: str) -> dict[str, str]:
        return render_names(self.names, account)

    def values(self, account: str, region: str) -> dict[str, str]:
        """What `$name` placeholders in the scenario's texts stand for: its names, $account, $region."""
        return {**self.render_names(account), "account": account, "region": region}

    def text(self, which: str, lang: str, account: str, region: str) -> str:
        """A top-level text (title, summary, task, end_state) with the account's values filled in."""
        return fill(getattr(self, which), lang, self.values(account, region))


def fill(text: Text, lang: str, values: dict[str, str]) -> str:
    """`text` in `lang` with $placeholders filled; unknown ones stay visible rather than failing."""
    return Template(text[lang]).safe_substitute(values)


def naming_mode(account: str) -> str:
    """`blog` names as in the seed posts, or `per-learner` names for learners sharing an emulator.

    AWSLAB_NAMING chooses; by default the single-learner account 000000000000 gets the blog's names
    and every other account (a classroom learner) gets per-learner names.
    """
    mode = os.environ.get("AWSLAB_NAMING", "auto")
    if mode not in ("auto", "blog", "per-learner"):
        from sandbox.i18n import t

        raise AwslabError(t("err-naming", value=repr(mode)))
    if mode == "auto":
        return "blog" if account == config.DEFAULT_ACCOUNT else "per-learner"
    return mode


def render_names(names: dict[str, NameSpec], account: str) -> dict[str, str]:
    per_learner = naming_mode(account) == "per-learner"
    return {
        key: (f"{account}-{spec.default}" if per_learner and spec.scope == "global" else spec.default)
        for key, spec in names.items()
    }


# ---- loading and validation ----------------------------------------------------------------

class _Validator:
    def __init__(self, file: Path):
        self.file = file

    def fail(self, where: str, problem: str):
        raise ScenarioError(f"{self.file}: {where}: {problem}")

    def require(self, data: dict, key: str, where: str, kind=None):
        if not isinstance(data, dict) or key not in data:
            self.fail(f"{where}.{key}" if where else key, "missing")
        value = data[key]
        if kind is not None and not isinstance(value, kind):
            self.fail(f"{where}.{key}" if where else key, f"must be {kind.__name__}")
        return value

    def text(self, data: dict, key: str, where: str, fields: set[str] | None = None) -> Text:
        value = self.require(data, key, where, dict)
        path = f"{where}.{key}" if where else key
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.fail(f"{path}.{lang}", "missing text (every learner-facing text needs ja and en)")
            if fields is not None:
                unknown = _placeholders(value[lang]) - fields
                if unknown:
                    self.fail(f"{path}.{lang}", f"unknown placeholder ${sorted(unknown)[0]}")
        extra = set(value) - set(LANGS)
        if extra:
            self.fail(path, f"unknown language {sorted(extra)[0]!r} (use ja and en)")
        return {lang: value[lang] for lang in LANGS}


def _placeholders(text: str) -> set[str]:
    names = set()
    for match in Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            continue
        name = match.group("named") or match.group("braced")
        if name:
            names.add(name)
    return names


def _import_file(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ScenarioError(f"{path}: cannot be imported: {type(exc).__name__}: {exc}") from exc
    sys.modules[module_name] = module
    return module


def load(path: Path) -> Scenario:
    path = Path(path)
    meta_file = path / "scenario.yaml"
    v = _Validator(meta_file)
    if not meta_file.is_file():
        raise ScenarioError(f"{meta_file}: missing (every scenario folder needs scenario.yaml)")
    try:
        data = yamlio.safe_load(meta_file.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise ScenarioError(f"{meta_file}: {where}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        v.fail("(top level)", "must be a mapping")

    scenario_id = v.require(data, "id", "", str)
    if scenario_id != path.name:
        v.fail("id", f"{scenario_id!r} differs from the folder name {path.name!r}")
    if not ID_RE.match(scenario_id):
        v.fail("id", "use lower-case letters, digits and hyphens")

    names: dict[str, NameSpec] = {}
    for key, spec in (v.require(data, "names", "", dict) or {}).items():
        if isinstance(spec, str):
            spec = {"default": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("default"), str):
            v.fail(f"names.{key}", "needs a default name")
        if spec.get("scope", "account") not in ("account", "global"):
            v.fail(f"names.{key}.scope", "must be account or global")
        names[key] = NameSpec(default=spec["default"], scope=spec.get("scope", "account"))
    fields = set(names) | {"account", "region"}

    checks_module_path = path / "checks.py"
    if not checks_module_path.is_file():
        raise ScenarioError(f"{checks_module_path}: missing")
    module_base = "awslab_scenario_" + scenario_id.replace("-", "_")
    checks_module = _import_file(checks_module_path, module_base + ".checks")

    checks: list[CheckSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(v.require(data, "checks", "", list)):
        where = f"checks[{i}]"
        check_id = v.require(raw, "id", where, str)
        where = f"checks[{check_id}]"
        if not ID_RE.match(check_id):
            v.fail(f"{where}.id", "use lower-case letters, digits and hyphens")
        if check_id in seen:
            v.fail(f"{where}.id", "duplicate check id")
        points = v.require(raw, "points", where, int)
        if points < 0:
            v.fail(f"{where}.points", "must be >= 0")
        depends_on = raw.get("depends_on") or []
        for dep in depends_on:
            if dep not in seen:
                v.fail(f"{where}.depends_on", f"{dep!r} is not a check listed before this one")
        messages_raw = v.require(raw, "messages", where, dict)
        if "pass" not in messages_raw:
            v.fail(f"{where}.messages.pass", "missing")
        messages = {
            key: v.text(messages_raw, key, f"{where}.messages") for key in messages_raw
        }
        fn_name = check_id.replace("-", "_")
        fn = getattr(checks_module, fn_name, None)
        if not callable(fn):
            raise ScenarioError(f"{checks_module_path}: {fn_name}: no function for check {check_id!r}")
        checks.append(
            CheckSpec(
                id=check_id,
                points=points,
                title=v.text(raw, "title", where, fields),
                hint=v.text(raw, "hint", where, fields),
                messages=messages,
                depends_on=list(depends_on),
                timeout_s=float(raw.get("timeout_s", DEFAULT_CHECK_TIMEOUT_S)),
                fn=fn,
            )
        )
        seen.add(check_id)
    if not checks:
        v.fail("checks", "a scenario needs at least one check")

    hints = []
    for i, raw in enumerate(data.get("hints") or []):
        hints.append(Hint(text=v.text(raw, "text", f"hints[{i}]", fields), cost=int(raw.get("cost", 0))))

    setup = None
    setup_path = path / "setup.py"
    if setup_path.is_file():
        setup = getattr(_import_file(setup_path, module_base + ".setup"), "setup", None)
        if not callable(setup):
            raise ScenarioError(f"{setup_path}: setup: missing function setup(env)")
    if not (path / "solution.py").is_file():
        raise ScenarioError(f"{path / 'solution.py'}: missing (every scenario needs a reference solution)")

    return Scenario(
        id=scenario_id,
        path=path,
        title=v.text(data, "title", "", fields),
        summary=v.text(data, "summary", "", fields),
        task=v.text(data, "task", "", fields),
        end_state=v.text(data, "end_state", "", fields),
        services=list(data.get("services") or []),
        source=dict(data.get("source") or {}),
        names=names,
        checks=checks,
        hints=hints,
        setup=setup,
    )


def scenario_ids(root: Path = SCENARIOS_ROOT) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "scenario.yaml").is_file())


def load_all(root: Path = SCENARIOS_ROOT) -> list[Scenario]:
    return [load(root / sid) for sid in scenario_ids(root)]


def get(scenario_id: str, root: Path = SCENARIOS_ROOT) -> Scenario:
    if scenario_id not in scenario_ids(root):
        from sandbox.i18n import t

        raise AwslabError(t("unknown-scenario", scenario=scenario_id))
    return load(root / scenario_id)
