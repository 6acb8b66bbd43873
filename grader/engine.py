"""Run a scenario's checks against one account.

- Checks run in the order of scenario.yaml; a check whose `depends_on` did not all pass is
  `skipped` (CodeGrade style), not failed with noise.
- A check that raises, or runs past its time limit, is `error`: the grader could not judge it.
  It is shown distinctly and makes the result not gradable; it never becomes a silent zero.
- Flow checks register clean-up actions; they run after the last check.
"""

from __future__ import annotations

import threading
import time

import botocore.exceptions
import requests

from sandbox.accounts import Account
from sandbox.errors import AwslabError, EmulatorUnavailable
from sandbox.i18n import t

from .check import CheckContext, Outcome
from .result import CheckResult, GradeResult
from .scenario import CheckSpec, Scenario, fill

_UNREACHABLE = (
    EmulatorUnavailable,
    botocore.exceptions.EndpointConnectionError,
    botocore.exceptions.ConnectTimeoutError,
    requests.ConnectionError,
)


def grade(
    scenario: Scenario,
    account: Account,
    lang: str,
    hints_used: int = 0,
    only: list[str] | None = None,
    inputs: dict[str, str] | None = None,
) -> GradeResult:
    started = time.perf_counter()
    names = scenario.render_names(account.account_id)
    ctx = CheckContext(account, names, inputs)
    result = GradeResult(
        scenario=scenario.id,
        account=account.account_id,
        region=account.region,
        lang=lang,
        duration_s=0.0,
        hints_used=hints_used,
        hint_penalty=sum(h.cost for h in scenario.hints[:hints_used]),
    )
    statuses: dict[str, str] = {}
    selected = with_prerequisites(scenario, only) if only else None
    try:
        for spec in scenario.checks:
            if selected is not None and spec.id not in selected:
                continue
            check_result = _run_one(spec, ctx, names, lang, statuses)
            statuses[spec.id] = check_result.status
            result.checks.append(check_result)
    finally:
        result.cleanup_problems = ctx.run_cleanups()
    result.duration_s = time.perf_counter() - started
    return result


def with_prerequisites(scenario: Scenario, check_ids: list[str]) -> set[str]:
    """The given checks and, transitively, every check they depend on."""
    known = {c.id: c for c in scenario.checks}
    unknown = [c for c in check_ids if c not in known]
    if unknown:
        raise AwslabError(t("err-unknown-check", check=unknown[0], scenario=scenario.id,
                            known=", ".join(known)))
    selected: set[str] = set()
    todo = list(check_ids)
    while todo:
        cid = todo.pop()
        if cid not in selected:
            selected.add(cid)
            todo.extend(known[cid].depends_on)
    return selected


def _run_one(spec: CheckSpec, ctx: CheckContext, names: dict, lang: str, statuses: dict) -> CheckResult:
    values = {**names, "account": ctx.account_id, "region": ctx.region}
    title = fill(spec.title, lang, values)
    hint = fill(spec.hint, lang, values)

    def make(status: str, message: str, earned: int = 0, debug: str | None = None) -> CheckResult:
        return CheckResult(
            id=spec.id, title=title, status=status, points=spec.points, earned=earned,
            message=message, hint="" if status == "pass" else hint, debug=debug,
        )

    missing = [d for d in spec.depends_on if statuses.get(d) != "pass"]
    if missing:
        return make("skipped", t("check-skipped", lang, deps=", ".join(missing)))

    box: dict = {}

    def target():
        try:
            box["outcome"] = spec.fn(ctx)
        except BaseException as exc:  # noqa: BLE001 - reported as status error below
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"check-{spec.id}", daemon=True)
    worker.start()
    worker.join(spec.timeout_s)
    if worker.is_alive():
        return make("error", t("check-timed-out", lang, seconds=f"{spec.timeout_s:g}"))
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, _UNREACHABLE):
            return make("error", t("check-emulator-down", lang, endpoint=ctx.account.endpoint),
                        debug=repr(exc))
        return make("error", t("check-raised", lang, error=f"{type(exc).__name__}: {exc}"),
                    debug=repr(exc))
    outcome = box.get("outcome")
    if not isinstance(outcome, Outcome):
        return make("error", t("check-raised", lang,
                               error=f"check returned {type(outcome).__name__}, not an Outcome"))
    if outcome.key not in spec.messages:
        return make("error", t("check-raised", lang,
                               error=f"no message {outcome.key!r} in scenario.yaml"), debug=outcome.debug)
    params = {**values, **{k: _display(v, lang) for k, v in outcome.params.items()}}
    message = fill(spec.messages[outcome.key], lang, params)
    if outcome.passed:
        return make("pass", message, earned=spec.points, debug=outcome.debug)
    return make("fail", message, debug=outcome.debug)


def _display(value, lang: str) -> str:
    # A {"ja": ..., "en": ...} param is a text the check wrote in both languages (e.g. a policy
    # decision explained by sandbox.policy_explain): the report's language is shown.
    if isinstance(value, dict) and set(value) == {"ja", "en"}:
        return value[lang]
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)
