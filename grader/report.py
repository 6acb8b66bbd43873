"""Reporters: terminal (rich, ja or en), JSON (DESIGN.md section 4) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding

from sandbox.i18n import t

from .result import GradeResult

_STYLE = {"pass": "green", "fail": "red", "error": "bold magenta", "skipped": "dim"}


def to_json(result: GradeResult, debug: bool = False) -> str:
    return json.dumps(result.to_json(debug=debug), ensure_ascii=False, indent=2)


def to_junit(result: GradeResult) -> str:
    """One <testsuite> per scenario, one <testcase> per check (fail -> failure, error -> error)."""
    suite = junit_suite(result)
    ET.indent(suite)
    return xml_document(suite)


def xml_document(element: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode") + "\n"


def junit_suite(result: GradeResult) -> ET.Element:
    """The <testsuite> element of one grading run (also used inside a learner's <testsuites>)."""
    suite = ET.Element(
        "testsuite",
        name=result.scenario,
        tests=str(len(result.checks)),
        failures=str(sum(c.status == "fail" for c in result.checks)),
        errors=str(sum(c.status == "error" for c in result.checks)),
        skipped=str(sum(c.status == "skipped" for c in result.checks)),
        time=f"{result.duration_s:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("account", result.account), ("region", result.region), ("score", result.score),
        ("max_score", result.max_score), ("hints_used", result.hints_used),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))
    for c in result.checks:
        case = ET.SubElement(suite, "testcase", classname=result.scenario, name=c.id)
        case.set("points", str(c.points))
        if c.status == "fail":
            ET.SubElement(case, "failure", message=c.message).text = c.hint
        elif c.status == "error":
            ET.SubElement(case, "error", message=c.message).text = c.debug or ""
        elif c.status == "skipped":
            ET.SubElement(case, "skipped", message=c.message)
        ET.SubElement(case, "system-out").text = f"{c.title}\n{c.message}"
    return suite


def print_text(result: GradeResult, title: str, console: Console | None = None, debug: bool = False) -> None:
    """One block per check: status, points, title and id, then the message and hint, indented.
    Nothing is truncated (a table cut long Japanese messages short)."""
    console = console or Console()
    lang = result.lang
    console.rule(f"[bold]{escape(title)}[/]")
    console.print(f"{result.scenario}  {result.account}  {result.region}", style="dim")
    width = max(_cells(t("status-" + s, lang)) for s in ("pass", "fail", "error", "skipped"))
    for c in result.checks:
        label = t("status-" + c.status, lang)
        pad = " " * max(0, width - _cells(label))
        console.print(f"[{_STYLE[c.status]}]{escape(label)}[/]{pad}  {c.earned}/{c.points}  "
                      f"[bold]{escape(c.title)}[/] [dim]({c.id})[/]", overflow="fold")
        console.print(Padding(escape(c.message), (0, 0, 0, 4)), overflow="fold")
        if c.hint:
            console.print(Padding(f"[cyan]{t('report-hint-label', lang)}:[/] {escape(c.hint)}", (0, 0, 0, 4)),
                          overflow="fold")
        if debug and c.debug:
            console.print(Padding(f"[dim]debug: {escape(c.debug)}[/]", (0, 0, 0, 4)), overflow="fold")
    console.print()
    console.print(t("report-score", lang, score=result.score, max=result.max_score)
                  + f"  ({result.duration_s:.2f} s)", style="bold")
    if result.hints_used:
        console.print(t("report-hints", lang, hints=result.hints_used, penalty=result.hint_penalty))
    if not result.gradable:
        console.print(f"[bold magenta]{t('report-not-gradable', lang)}[/]")
    elif result.passed:
        console.print(f"[bold green]{t('report-passed', lang)}[/]")
    else:
        console.print(f"[bold red]{t('report-not-passed', lang)}[/]")


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)
