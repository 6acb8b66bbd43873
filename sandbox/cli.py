"""The `awslab` command line (DESIGN.md section 4).

Exit codes: 0 success; 1 a grade below full marks; 2 a usage or environment error (emulator down,
unknown scenario, port taken), always with a one-line reason on stderr. Every text, `--help`
included, comes from sandbox/messages/ in Japanese or English; the command line is built after `--lang`
is known, so `awslab grade --help --lang ja` is Japanese too.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from . import accounts, config, i18n, progress, runtime
from .cliutil import (
    CONTEXT_SETTINGS,
    Group,
    account_options,
    grade_inputs,
    lang_option,
    no_rewrap,
    require_emulator,
    resolve,
    scenario_env,
    write_report,
)
from .errors import AwslabError
from .i18n import LANGS, t

# Feature command groups live in sandbox/commands/<name>.py, each with register(cli); listing a
# module here adds its commands to `awslab`.
COMMAND_MODULES: tuple[str, ...] = ("idp", "trail", "classroom", "fetch", "policy", "instance", "events")


def _print_task(sc, acct: accounts.Account, lang: str) -> None:
    from grader.scenario import fill

    console = Console()
    names = sc.render_names(acct.account_id)
    console.rule(f"[bold]{sc.text('title', lang, acct.account_id, acct.region)}[/] ({sc.id})")
    console.print(Markdown(sc.text("task", lang, acct.account_id, acct.region)))
    console.print(f"\n[bold]{t('show-names', lang, account=acct.account_id)}[/]")
    for key, value in names.items():
        console.print(f"  {key}: [cyan]{value}[/]")
    console.print(f"\n[bold]{t('show-end-state', lang)}[/]")
    console.print(Markdown(sc.text("end_state", lang, acct.account_id, acct.region)))
    console.print(f"\n[bold]{t('show-checks', lang)}[/]")
    for c in sc.checks:
        console.print(f"  - {fill(c.title, lang, sc.values(acct.account_id, acct.region))} ({c.points})")


def _seed(sc, acct: accounts.Account) -> None:
    """Run the scenario's setup; on failure reset again, so nothing half-done stays behind."""
    if not sc.setup:
        return
    env_ = scenario_env(sc, acct)
    try:
        sc.setup(env_)
    except Exception as exc:
        env_.emulator.reset_account(acct.account_id)
        raise AwslabError(t("err-setup-failed", scenario=sc.id, error=f"{type(exc).__name__}: {exc}")) from exc


def build_cli() -> click.Group:
    @click.group(cls=Group, context_settings=CONTEXT_SETTINGS, help=no_rewrap(t("help-main")))
    @click.version_option(package_name="awslab", help=t("help-version"))
    # Accepted here too (awslab --lang ja --help); main() has already applied it.
    @click.option("--lang", type=click.Choice(LANGS), default=None, expose_value=False, help=t("help-opt-lang"))
    def cli():
        pass

    # ---- emulator -----------------------------------------------------------------------------

    @cli.command(help=t("help-up"))
    @click.option("--port", type=int, default=config.DEFAULT_PORT, show_default=True, help=t("help-up-port"))
    @click.option("--timeout", type=float, default=90.0, show_default=True, help=t("help-up-timeout"))
    @click.option("--classroom", is_flag=True, help=t("help-up-classroom"))
    @click.option("--host", default=None, metavar="ADDRESS", help=t("help-up-host"))
    @click.option("--docker", "in_docker", is_flag=True, help=t("help-up-docker"))
    @lang_option
    def up(port, timeout, classroom, host, in_docker, lang):
        lang = i18n.use(lang)
        began = time.monotonic()
        extra = {"AWSLAB_CLASSROOM": "1"} if classroom else None
        if in_docker:
            from . import docker_runtime

            endpoint, container = docker_runtime.start(port, timeout, extra)
            click.echo(t("emulator-started-docker", lang, endpoint=endpoint, container=container[:12],
                         seconds=f"{time.monotonic() - began:.1f}"))
            return
        # A classroom is reached from the learners' laptops; a single learner's sandbox is not.
        host = host or ("0.0.0.0" if classroom else config.DEFAULT_HOST)
        info, started = runtime.start(port=port, timeout=timeout, extra=extra, host=host)
        if started:
            click.echo(t("emulator-started", lang, endpoint=info.endpoint, pid=info.pid, log=info.log,
                         seconds=f"{time.monotonic() - began:.1f}"))
        else:
            click.echo(t("emulator-already-running", lang, endpoint=info.endpoint, pid=info.pid))

    @cli.command(help=t("help-down"))
    @lang_option
    def down(lang):
        from . import docker_runtime

        lang = i18n.use(lang)
        info = runtime.stop()
        container = docker_runtime.stop() if docker_runtime.state_file().is_file() else None
        if info:
            click.echo(t("emulator-stopped", lang, pid=info.pid))
        if container:
            click.echo(t("emulator-stopped-docker", lang, container=container[:12]))
        if not info and not container:
            click.echo(t("emulator-not-running", lang, home=config.home()))

    @cli.command(help=t("help-status"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-status-endpoint"))
    @lang_option
    def status(endpoint, lang):
        lang = i18n.use(lang)
        url = config.endpoint(endpoint)
        about = require_emulator(url)
        info = runtime.current()
        if info and info.endpoint == url:
            click.echo(t("status-running", lang, endpoint=url, pid=info.pid, version=about["awslab"], log=info.log))
        else:
            click.echo(t("status-endpoint-up", lang, endpoint=url, version=about["awslab"]))
        lambda_sandbox = about.get("lambda_sandbox") or {}
        if lambda_sandbox.get("confined") is False:
            click.echo(t("lambda-unconfined", lang, problem=lambda_sandbox.get("problem", "")))

    @cli.command(help=t("help-env"))
    @account_options
    def env(account, region, endpoint):
        acct = accounts.resolve(account, region, endpoint)
        variables = acct.env()
        if endpoint or os.environ.get("AWSLAB_ENDPOINT"):
            # An endpoint awslab would not find on its own (a classroom's, from the credentials
            # sheet's line) must reach the learner's next `awslab start` / `grade` too.
            variables["AWSLAB_ENDPOINT"] = acct.endpoint
        click.echo(accounts.export_lines(variables))

    # ---- scenarios ----------------------------------------------------------------------------

    @cli.command(name="list", help=t("help-list"))
    @account_options
    @lang_option
    def list_(account, region, endpoint, lang):
        from grader import scenario as scenarios

        lang = i18n.use(lang)
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

    @cli.command(help=t("help-show"))
    @click.argument("scenario_id", metavar="SCENARIO")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                  help=t("help-show-format"))
    @account_options
    @lang_option
    def show(scenario_id, fmt, account, region, endpoint, lang):
        lang, sc, acct = resolve(scenario_id, account, region, endpoint, lang)
        if fmt == "text":
            _print_task(sc, acct, lang)
            return
        click.echo(json.dumps({
            "scenario": sc.id, "account": acct.account_id, "region": acct.region, "lang": lang,
            "names": sc.render_names(acct.account_id),
            "title": sc.text("title", lang, acct.account_id, acct.region),
            "task": sc.text("task", lang, acct.account_id, acct.region),
            "end_state": sc.text("end_state", lang, acct.account_id, acct.region),
            "max_score": sc.max_score,
            "checks": [{"id": c.id, "points": c.points} for c in sc.checks],
        }, ensure_ascii=False, indent=2))

    @cli.command(help=t("help-start"))
    @click.argument("scenario_id", metavar="SCENARIO")
    @account_options
    @lang_option
    def start(scenario_id, account, region, endpoint, lang):
        lang, sc, acct = resolve(scenario_id, account, region, endpoint, lang)
        began = time.monotonic()
        require_emulator(acct.endpoint)
        scenario_env(sc, acct).emulator.reset_account(acct.account_id)
        _seed(sc, acct)
        progress.record_start(acct.account_id, sc.id)
        _print_task(sc, acct, lang)
        click.echo()
        click.echo(t("start-done", lang, account=acct.account_id, scenario=sc.id,
                     seconds=f"{time.monotonic() - began:.2f}"))

    @cli.command(help=t("help-reset"))
    @click.argument("scenario_id", metavar="SCENARIO", required=False)
    @account_options
    @lang_option
    def reset(scenario_id, account, region, endpoint, lang):
        from .emulator import EmulatorClient

        lang = i18n.use(lang)
        acct = accounts.resolve(account, region, endpoint)
        sc = _scenario(scenario_id) if scenario_id else None
        require_emulator(acct.endpoint)
        began = time.monotonic()
        done = EmulatorClient.for_account(acct).reset_account(acct.account_id)
        if sc:
            _seed(sc, acct)
        click.echo(t("reset-done", lang, account=acct.account_id, seconds=f"{time.monotonic() - began:.2f}",
                     services=", ".join(done["services"]) or "-"))

    @cli.command(help=t("help-grade"))
    @click.argument("scenario_id", metavar="SCENARIO")
    @click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text",
                  show_default=True, help=t("help-grade-format"))
    @click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help=t("help-grade-output"))
    @click.option("--check", "only", multiple=True, metavar="ID", help=t("help-grade-check"))
    @click.option("--debug", is_flag=True, help=t("help-grade-debug"))
    @click.option("--input", "inputs", multiple=True, metavar="NAME=VALUE", help=t("help-grade-input"))
    @account_options
    @lang_option
    def grade(scenario_id, fmt, output, only, debug, inputs, account, region, endpoint, lang):
        from grader import engine, report

        lang, sc, acct = resolve(scenario_id, account, region, endpoint, lang)
        given = grade_inputs(inputs)
        require_emulator(acct.endpoint)
        hints_used = progress.get(acct.account_id, sc.id).get("hints_used", 0)
        result = engine.grade(sc, acct, lang, hints_used=hints_used, only=list(only) or None, inputs=given)
        if result.gradable and not only:
            progress.record_grade(acct.account_id, sc.id, result.score, result.max_score, result.passed)
        for problem in result.cleanup_problems:
            click.echo(f"awslab: {t('warning-prefix')}: {t('warn-cleanup-failed', problem=problem)}", err=True)

        title = sc.text("title", lang, acct.account_id, acct.region)
        if fmt == "text" and not output:
            report.print_text(result, title, debug=debug)
        elif fmt == "text":
            console = Console(record=True, width=120, file=io.StringIO())
            report.print_text(result, title, console, debug=debug)
            write_report(output, console.export_text())
        else:
            body = report.to_json(result, debug=debug) if fmt == "json" else report.to_junit(result)
            if output:
                write_report(output, body)
            else:
                click.echo(body.rstrip("\n"))
        if not result.gradable:
            sys.exit(2)
        sys.exit(0 if result.passed else 1)

    @cli.command(help=t("help-hint"))
    @click.argument("scenario_id", metavar="SCENARIO")
    @account_options
    @lang_option
    def hint(scenario_id, account, region, endpoint, lang):
        from grader.scenario import fill

        lang, sc, acct = resolve(scenario_id, account, region, endpoint, lang)
        values = sc.values(acct.account_id, acct.region)
        total = len(sc.hints)
        used = progress.get(acct.account_id, sc.id).get("hints_used", 0)
        if used >= total:
            for i, h in enumerate(sc.hints, 1):
                click.echo(f"{i}. {fill(h.text, lang, values)}")
            click.echo(t("hint-none-left", lang, scenario=sc.id, total=total))
            return
        n = progress.record_hint(acct.account_id, sc.id, total)
        h = sc.hints[n - 1]
        click.echo(t("hint-header", lang, n=n, total=total, scenario=sc.id, cost=h.cost))
        click.echo(fill(h.text, lang, values))

    @cli.command(help=t("help-solve"))
    @click.argument("scenario_id", metavar="SCENARIO")
    @account_options
    @lang_option
    def solve(scenario_id, account, region, endpoint, lang):
        lang, sc, acct = resolve(scenario_id, account, region, endpoint, lang)
        require_emulator(acct.endpoint)
        args = sc.solution_args(sc.render_names(acct.account_id))
        code = subprocess.call(args, env={**os.environ, **acct.env()}, stdin=subprocess.DEVNULL)
        if code != 0:
            raise AwslabError(t("solve-failed", lang, scenario=sc.id, code=code))
        click.echo(t("solve-done", lang, scenario=sc.id, account=acct.account_id))

    @cli.command(help=t("help-validate"))
    @click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
    @lang_option
    def validate(folders, lang):
        from grader import lint
        from grader import scenario as scenarios

        lang = i18n.use(lang)
        folders = folders or [scenarios.SCENARIOS_ROOT / sid for sid in scenarios.scenario_ids()]
        problems = 0
        for folder in folders:
            try:
                sc = scenarios.load(folder)
                found = lint.lint(sc)
            except scenarios.ScenarioError as exc:
                found = [exc.message]
            for line in found:
                click.echo(line)
            if not found:
                click.echo(t("validate-ok", lang, scenario=sc.id, checks=len(sc.checks), points=sc.max_score))
            problems += len(found)
        if problems:
            click.echo(t("validate-problems", lang, count=problems), err=True)
            sys.exit(1)

    for name in COMMAND_MODULES:
        importlib.import_module(f"sandbox.commands.{name}").register(cli)
    return cli


def _lang_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.use(_lang_from_argv(argv))
    try:
        build_cli().main(args=argv, prog_name="awslab", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(f"awslab: {t('aborted')}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except AwslabError as exc:
        click.echo(f"awslab: {t('error-prefix')}: {exc.message}", err=True)
        if exc.detail:
            click.echo(exc.detail, err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":
    main()
