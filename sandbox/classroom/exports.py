"""Gradebook exports: CSV (one row per learner), JUnit XML per learner, Gradescope results.json.

The grading results are the grader's own GradeResult objects (grader/result.py); JUnit reuses the
grader's <testsuite> (grader/report.py), one per scenario, inside one <testsuites> per learner.

Gradescope format: "Autograder Specifications", output format of results/results.json
(https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format): a top-level
`score` (it overrides the sum of the tests, so hint penalties count), `execution_time`, `output`,
`visibility`, `stdout_visibility`, and `tests` with `name`, `number`, `score`, `max_score`, `status`
(passed/failed), `output` and `tags`. tests/schemas/gradescope-results.schema.json encodes that page.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from grader.report import junit_suite, xml_document
from grader.result import GradeResult

from .registry import Learner


@dataclass
class LearnerGrades:
    """Everything one learner got in a batch: one GradeResult per scenario, or the reason why not."""

    learner: Learner
    results: dict[str, GradeResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # scenario -> why it could not be graded
    notes: list[str] = field(default_factory=list)  # e.g. how a submission's scripts ended

    @property
    def complete(self) -> bool:
        return not self.errors and all(r.passed for r in self.results.values())


def _cell(grades: LearnerGrades, scenario: str) -> str:
    result = grades.results.get(scenario)
    if result is None or not result.gradable:
        return "ERROR"  # never a silent zero: the grader could not judge
    return str(result.score)


def gradebook_csv(rows: list[LearnerGrades], scenarios: list[str]) -> str:
    """account, name, one score column per scenario, total, max, hints used, status."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["account", "name", *scenarios, "total", "max_total", "hints_used", "status"])
    for g in rows:
        gradable = [g.results[s] for s in scenarios if s in g.results and g.results[s].gradable]
        status = ("error" if len(gradable) < len(scenarios) else "complete" if g.complete else "incomplete")
        writer.writerow([
            g.learner.account_id, g.learner.name, *(_cell(g, s) for s in scenarios),
            sum(r.score for r in gradable), sum(r.max_score for r in g.results.values()),
            sum(r.hints_used for r in g.results.values()), status,
        ])
    return out.getvalue()


def junit_for(grades: LearnerGrades) -> str:
    """<testsuites> named after the learner, one <testsuite> per scenario (the grader's own)."""
    results = list(grades.results.values())
    root = ET.Element(
        "testsuites", name=f"{grades.learner.name} ({grades.learner.account_id})",
        tests=str(sum(len(r.checks) for r in results)),
        failures=str(sum(c.status == "fail" for r in results for c in r.checks)),
        errors=str(sum(c.status == "error" for r in results for c in r.checks) + len(grades.errors)),
        time=f"{sum(r.duration_s for r in results):.3f}",
    )
    for result in results:
        root.append(junit_suite(result))
    for scenario, why in grades.errors.items():
        suite = ET.SubElement(root, "testsuite", name=scenario, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname=scenario, name="grading")
        ET.SubElement(case, "error", message=why)
    ET.indent(root)
    return xml_document(root)


def gradescope(grades: LearnerGrades, execution_time_s: float) -> dict:
    tests = []
    for s_index, (scenario, result) in enumerate(grades.results.items(), 1):
        for c_index, c in enumerate(result.checks, 1):
            output = c.message + (f"\n{c.hint}" if c.hint else "")
            tests.append({
                "name": f"{scenario}: {c.title}", "number": f"{s_index}.{c_index}",
                "score": c.earned, "max_score": c.points,
                "status": "passed" if c.status == "pass" else "failed",
                "output": output if c.status != "error" else f"[{c.status}] {output}",
                "tags": [scenario, c.status], "visibility": "visible",
            })
    lines = list(grades.notes)
    lines += [f"{s}: {r.score}/{r.max_score} (hints used: {r.hints_used})" for s, r in grades.results.items()]
    lines += [f"{s}: not graded: {why}" for s, why in grades.errors.items()]
    return {
        "score": sum(r.score for r in grades.results.values()),
        "execution_time": round(execution_time_s, 3),
        "output": "\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope_json(grades: LearnerGrades, execution_time_s: float) -> str:
    return json.dumps(gradescope(grades, execution_time_s), ensure_ascii=False, indent=2)
