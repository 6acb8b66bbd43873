"""The `awslab` command line (DESIGN.md section 4).

Exit codes: 0 success; 1 a grade below full marks; 2 a usage or environment error (emulator down,
unknown scenario, port taken), always with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from . import accounts, config, progress, runtime
from .errors import AwslabError
from .i18n import LANGS, default_lang, t

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _lang_option(f):
    return click.option(
        "--lang", type=click.Choice(LANGS), default=None,
        help="Language of the output: ja or en (default: AWSLAB_LANG, else the locale).",
    )(f)


def _account_options(f):
    f = click.option("--endpoint", default=None, metavar="URL",
                     help="Emulator URL (default: AWSLAB_ENDPOINT, else the embedded emulator).")(f)
    f = click.option("--region", default=None,
                     help="Region (default: AWS_DEFAULT_REGION, else ap-northeast-1).")(f)
    f = click.option("--account", default=None, metavar="ID",
                     help="12-digit learner account (default: a 12-digit AWS_ACCESS_KEY_ID, "
                          "else 000000000000).")(f)
    return f


def _scenario(scenario_id: str):
    from grader import scenario as scenarios

    return scenarios.get(scenario_id)


def _resolve(scenario_id, account, region, endpoint, lang):
    """(language, scenario, account) for commands that work on one scenario in one account."""
    return lang or default_lang(), _scenario(scenario_id), accounts.resolve(account, region, endpoint)


def _env_for(scenario, account: accounts.Account):
    from grader.check import Env

    return Env(account, scenario.render_names(account.account_id))


def _require_emulator(account: accounts.Account) -> dict:
    from .emulator import EmulatorClient
    from .errors import EmulatorUnavailable

    try:
        return EmulatorClient(account.endpoint).info()
    except EmulatorUnavailable:
        runtime.explain_dead_emulator(account.endpoint)
        raise


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="awslab")
def cli():
    """awslab: an offline AWS training sandbox on LocalStack 4.14.0.

    \b
    Typical session:
      awslab up                         start the embedded emulator
      eval "$(awslab env)"              point boto3 / aws CLI / Terraform at it
      awslab start s3-sqs-notification  reset your account and read the task
      ... build it with your own tools ...
      awslab grade s3-sqs-notification  score it and see what is missing

    State (emulator pid/port/log, progress, hints) lives under AWSLAB_HOME (default ~/.awslab).
    """


# ---- emulator ---------------------------------------------------------------------------------

@cli.command()
@click.option("--port", type=int, default=config.DEFAULT_PORT, show_default=True,
              help="Port of the emulator on 127.0.0.1 (0 picks a free one).")
@click.option("--timeout", type=float, default=90.0, show_default=True,
              help="Seconds to wait for the emulator to become ready.")
@_lang_option
def up(port, timeout, lang):
    """Start the embedded emulator in the background and wait until it is ready."""
    lang = lang or default_lang()
    began = time.monotonic()
    info, started = runtime.start(port=port, timeout=timeout)
    if started:
        click.echo(t("emulator-started", lang, endpoint=info.endpoint, pid=info.pid, log=info.log,
                     seconds=f"{time.monotonic() - began:.1f}"))
    else:
        click.echo(t("emulator-already-running", lang, endpoint=info.endpoint, pid=info.pid))


@cli.command()
@_lang_option
def down(lang):
    """Stop the embedded emulator and every process it started."""
    lang = lang or default_lang()
    info = runtime.stop()
    if info:
        click.echo(t("emulator-stopped", lang, pid=info.pid))
    else:
        click.echo(t("emulator-not-running", lang, home=config.home()))


@cli.command()
@click.option("--endpoint", default=None, metavar="URL", help="Emulator URL to ask.")
@_lang_option
def status(endpoint, lang):
    """Say whether the emulator runs; exit 2 when it does not answer."""
    lang = lang or default_lang()
    info = runtime.current()
    url = config.endpoint(endpoint)
    try:
        about = runtime.awslab_info(url)
    except AwslabError:
        runtime.explain_dead_emulator(url)
        raise
    if info and info.endpoint == url:
        click.echo(t("status-running", lang, endpoint=url, pid=info.pid, version=about["awslab"], log=info.log))
    else:
        click.echo(t("status-endpoint-up", lang, endpoint=url, version=about["awslab"]))


@cli.command()
@_account_options
def env(account, region, endpoint):
    """Print `export AWS_...=` lines for a learner account: eval "$(awslab env)"."""
    click.echo(accounts.resolve(account, region, endpoint).export_lines())


# ---- scenarios --------------------------------------------------------------------------------

@cli.command(name="list")
@_account_options
@_lang_option
def list_(account, region, endpoint, lang):
    """List the scenarios, with this account's best score so far."""
    from grader import scenario as scenarios

    lang = lang or default_lang()
    acct = accounts.resolve(account, region, endpoint)
    done = progress.all_for(acct.account_id)
    table = Table()
    table.add_column(t("list-header-id", lang))
    table.add_column(t("list-header-title", lang))
    table.add_column(t("list-header-best", lang), justify="right")
    for sc in scenarios.load_all():
        entry = done.get(sc.id, {})
        best = (f"{entry['best_score']}/{sc.max_score}" if "best_score" in entry
                else t("list-never-graded", lang))
        table.add_row(sc.id, sc.title[lang], best)
    Console().print(table)


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints the rendered names and texts for tools.")
@_account_options
@_lang_option
def show(scenario_id, fmt, account, region, endpoint, lang):
    """Show a scenario's task, with the resource names rendered for this account."""
    lang, sc, acct = _resolve(scenario_id, account, region, endpoint, lang)
    names = sc.render_names(acct.account_id)
    if fmt == "json":
        click.echo(json.dumps({
            "scenario": sc.id, "account": acct.account_id, "region": acct.region, "lang": lang,
            "names": names, "title": sc.text("title", lang, acct.account_id),
            "task": sc.text("task", lang, acct.account_id),
            "end_state": sc.text("end_state", lang, acct.account_id),
            "max_score": sc.max_score,
            "checks": [{"id": c.id, "points": c.points} for c in sc.checks],
        }, ensure_ascii=False, indent=2))
        return
    _print_task(sc, acct, lang)


def _print_task(sc, acct: accounts.Account, lang: str) -> None:
    from string import Template

    console = Console()
    names = sc.render_names(acct.account_id)
    console.rule(f"[bold]{sc.text('title', lang, acct.account_id)}[/] ({sc.id})")
    console.print(Markdown(sc.text("task", lang, acct.account_id)))
    console.print(f"\n[bold]{t('show-names', lang, account=acct.account_id)}[/]")
    for key, value in names.items():
        console.print(f"  {key}: [cyan]{value}[/]")
    console.print(f"\n[bold]{t('show-end-state', lang)}[/]")
    console.print(sc.text("end_state", lang, acct.account_id).strip())
    console.print(f"\n[bold]{t('show-checks', lang)}[/]")
    for c in sc.checks:
        console.print(f"  - {Template(c.title[lang]).safe_substitute(names)} ({c.points})")


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO")
@_account_options
@_lang_option
def start(scenario_id, account, region, endpoint, lang):
    """Reset the account, seed the scenario's preconditions and show the task."""
    lang, sc, acct = _resolve(scenario_id, account, region, endpoint, lang)
    began = time.monotonic()
    _require_emulator(acct)
    env_ = _env_for(sc, acct)
    env_.emulator.reset_account(acct.account_id)
    if sc.setup:
        sc.setup(env_)
    progress.record_start(acct.account_id, sc.id)
    _print_task(sc, acct, lang)
    click.echo()
    click.echo(t("start-done", lang, account=acct.account_id, scenario=sc.id,
                 seconds=f"{time.monotonic() - began:.2f}"))


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO", required=False)
@_account_options
@_lang_option
def reset(scenario_id, account, region, endpoint, lang):
    """Delete everything in the account (every service, every region).

    With SCENARIO, the scenario's preconditions are seeded again afterwards.
    """
    lang = lang or default_lang()
    acct = accounts.resolve(account, region, endpoint)
    _require_emulator(acct)
    sc = _scenario(scenario_id) if scenario_id else None
    from .emulator import EmulatorClient

    began = time.monotonic()
    done = EmulatorClient(acct.endpoint).reset_account(acct.account_id)
    if sc and sc.setup:
        sc.setup(_env_for(sc, acct))
    click.echo(t("reset-done", lang, account=acct.account_id, seconds=f"{time.monotonic() - began:.2f}",
                 services=", ".join(done["services"]) or "-"))


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text",
              show_default=True, help="Report format.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to FILE instead of standard output.")
@click.option("--check", "only", multiple=True, metavar="ID",
              help="Run only this check (repeatable); dependencies not run are reported skipped.")
@click.option("--debug", is_flag=True, help="Show the scenario author's debug details.")
@_account_options
@_lang_option
def grade(scenario_id, fmt, output, only, debug, account, region, endpoint, lang):
    """Grade the account's current state against SCENARIO.

    Exit code 0 when every check passed, 1 when some did not, 2 when the grade could not be
    determined (emulator down, or a check ended in status error).
    """
    from grader import engine, report

    lang, sc, acct = _resolve(scenario_id, account, region, endpoint, lang)
    _require_emulator(acct)
    hints_used = progress.get(acct.account_id, sc.id).get("hints_used", 0)
    result = engine.grade(sc, acct, lang, hints_used=hints_used, only=list(only) or None)
    if result.gradable and not only:
        progress.record_grade(acct.account_id, sc.id, result.score, result.max_score, result.passed)
    for problem in result.cleanup_problems:
        click.echo(f"awslab: warning: clean-up after a flow check failed: {problem}", err=True)

    title = sc.text("title", lang, acct.account_id)
    if fmt == "text":
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                report.print_text(result, title, Console(file=fh, width=120), debug=debug)
        else:
            report.print_text(result, title, debug=debug)
    else:
        body = report.to_json(result, debug=debug) if fmt == "json" else report.to_junit(result)
        if output:
            Path(output).write_text(body + ("" if body.endswith("\n") else "\n"), encoding="utf-8")
        else:
            click.echo(body)
    if not result.gradable:
        sys.exit(2)
    sys.exit(0 if result.passed else 1)


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO")
@_account_options
@_lang_option
def hint(scenario_id, account, region, endpoint, lang):
    """Show the next hint (each hint used is recorded and may cost points)."""
    lang, sc, acct = _resolve(scenario_id, account, region, endpoint, lang)
    names = sc.render_names(acct.account_id)
    total = len(sc.hints)
    used = progress.get(acct.account_id, sc.id).get("hints_used", 0)
    from string import Template

    if used >= total:
        for i, h in enumerate(sc.hints, 1):
            click.echo(f"{i}. {Template(h.text[lang]).safe_substitute(names)}")
        click.echo(t("hint-none-left", lang, scenario=sc.id, total=total))
        return
    n = progress.record_hint(acct.account_id, sc.id, total)
    h = sc.hints[n - 1]
    click.echo(t("hint-header", lang, n=n, total=total, scenario=sc.id, cost=h.cost))
    click.echo(Template(h.text[lang]).safe_substitute(names))


@cli.command()
@click.argument("scenario_id", metavar="SCENARIO")
@_account_options
@_lang_option
def solve(scenario_id, account, region, endpoint, lang):
    """Apply the scenario's reference solution to the account (instructors, demos, tests)."""
    import os

    lang, sc, acct = _resolve(scenario_id, account, region, endpoint, lang)
    _require_emulator(acct)
    args = [sys.executable, str(sc.solution_path)]
    for key, value in sc.render_names(acct.account_id).items():
        args += [f"--{key}", value]
    code = subprocess.call(args, env={**os.environ, **acct.env()}, stdin=subprocess.DEVNULL)
    if code != 0:
        raise AwslabError(t("solve-failed", lang, scenario=sc.id, code=code))
    click.echo(t("solve-done", lang, scenario=sc.id, account=acct.account_id))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="awslab", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("awslab: aborted", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except AwslabError as exc:
        click.echo(f"awslab: error: {exc.message}", err=True)
        if exc.detail:
            click.echo(exc.detail, err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":
    main()
