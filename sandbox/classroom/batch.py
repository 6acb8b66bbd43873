"""`awslab class grade`: every learner of the class, every chosen scenario, graded concurrently.

Each (learner, scenario) pair is one call of the grader's engine (grader/engine.py) with the
learner's registered credentials, on a thread pool: grading mostly waits on the emulator (HTTP and
the flow checks' polling), so threads overlap well on a 2-core machine. A pair that cannot be graded
(the engine raised, for example the emulator went away) is recorded as an error for that learner and
never stops the others.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable

from grader import engine
from grader.scenario import Scenario
from sandbox.accounts import Account
from sandbox.statefiles import write_atomic

from . import exports
from .registry import Learner, Registry

DEFAULT_WORKERS = 8


def account_of(learner: Learner, endpoint: str, region: str) -> Account:
    return Account(account_id=learner.account_id, region=region, endpoint=endpoint, secret=learner.secret)


def grade_all(
    learners: list[Learner],
    scenarios: list[Scenario],
    endpoint: str,
    region: str,
    lang: str,
    registry: Registry,
    workers: int = DEFAULT_WORKERS,
    on_done: Callable[[Learner, str], None] | None = None,
) -> list[exports.LearnerGrades]:
    rows = {x.account_id: exports.LearnerGrades(x) for x in learners}

    def one(learner: Learner, sc: Scenario):
        hints = registry.hints_used(learner.account_id, sc.id)
        return engine.grade(sc, account_of(learner, endpoint, region), lang, hints_used=hints)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="class-grade") as pool:
        futures = {pool.submit(one, x, sc): (x, sc) for x in learners for sc in scenarios}
        for future in as_completed(futures):
            learner, sc = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # recorded for this learner, shown in every export
                rows[learner.account_id].errors[sc.id] = f"{type(exc).__name__}: {exc}"
            else:
                rows[learner.account_id].results[sc.id] = result
                if result.gradable:
                    registry.record_grade(result.to_json())
            if on_done:
                on_done(learner, sc.id)
    ordered = [rows[x.account_id] for x in learners]
    for row in ordered:  # scenario order as asked, not completion order
        row.results = {sc.id: row.results[sc.id] for sc in scenarios if sc.id in row.results}
    return ordered


def write_exports(out: Path, rows: list[exports.LearnerGrades], scenario_ids: list[str],
                  elapsed_s: float) -> dict[str, Path]:
    """gradebook.csv, junit/<account>.xml and gradescope/<account>/results.json under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = {"csv": out / "gradebook.csv", "junit": out / "junit", "gradescope": out / "gradescope"}
    write_atomic(written["csv"], exports.gradebook_csv(rows, scenario_ids))
    for row in rows:
        account = row.learner.account_id
        (out / "junit").mkdir(exist_ok=True)
        write_atomic(out / "junit" / f"{account}.xml", exports.junit_for(row))
        (out / "gradescope" / account).mkdir(parents=True, exist_ok=True)
        per_learner = sum(r.duration_s for r in row.results.values()) or elapsed_s
        write_atomic(out / "gradescope" / account / "results.json", exports.gradescope_json(row, per_learner))
    return written

