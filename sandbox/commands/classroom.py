"""Classroom commands: `awslab class create|list|sheet|grade`, `awslab grade-submission`, `awslab serve`.

The logic lives in sandbox/classroom/; these are the command-line wrappers (options, progress bar,
one-line errors, exit codes: 0 everyone complete, 1 someone below full marks, 2 usage/environment).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import config, i18n
from ..cliutil import Group, lang_option, no_rewrap, require_emulator, write_report
from ..errors import AwslabError
from ..i18n import t


def _registry_with_class():
    from ..classroom.registry import Registry, exists

    if not exists():
        raise AwslabError(t("err-no-class", path=config.home()))
    registry = Registry()
    if not registry.learners():
        raise AwslabError(t("err-no-class", path=config.home()))
    return registry


def _scenarios(ids):
    from grader import scenario as scenarios

    return [scenarios.get(i) for i in ids] if ids else scenarios.load_all()


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=False)


def _exit_for(rows) -> None:
    if any(row.errors or not all(r.gradable for r in row.results.values()) for row in rows):
        sys.exit(2)
    sys.exit(0 if all(row.complete for row in rows) else 1)


def register(cli: click.Group) -> None:
    @cli.group(name="class", cls=Group, help=no_rewrap(t("help-class")))
    def class_():
        pass

    @class_.command(help=t("help-class-create"))
    @click.option("--learners", type=click.IntRange(1, 1000), default=None, help=t("help-class-learners"))
    @click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                  help=t("help-class-roster"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-class-endpoint"))
    @click.option("--region", default=None, help=t("help-opt-region"))
    @click.option("--sheet", "sheet_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help=t("help-class-sheet-path"))
    @click.option("--format", "fmt", type=click.Choice(["html", "text"]), default="html", show_default=True,
                  help=t("help-class-sheet-format"))
    @click.option("--replace", is_flag=True, help=t("help-class-replace"))
    @lang_option
    def create(learners, roster, endpoint, region, sheet_path, fmt, replace, lang):
        from ..classroom import sheet
        from ..classroom.registry import Registry, read_roster

        lang = i18n.use(lang)
        if (learners is None) == (roster is None):
            raise AwslabError(t("err-class-learners-or-roster"))
        names = read_roster(roster) if roster else [f"learner-{i:02d}" for i in range(1, learners + 1)]
        endpoint, region = config.endpoint(endpoint), config.region(region)
        registry = Registry()
        created = registry.create_class(names, endpoint, region, replace=replace)
        sheet_path = sheet_path or config.home() / f"credentials.{'html' if fmt == 'html' else 'txt'}"
        # The sheet holds every learner's secret: readable by the instructor only.
        write_report(str(sheet_path), sheet.render(fmt, created, endpoint, region, lang), mode=0o600)
        click.echo(t("class-created", lang, count=len(created), path=registry.file, sheet=sheet_path,
                     token=registry.meta()["admin_token"]))

    @class_.command(name="list", help=t("help-class-list"))
    @lang_option
    def list_(lang):
        lang = i18n.use(lang)
        registry = _registry_with_class()
        latest = registry.latest_grades()
        table = Table()
        for header in ("class-header-account", "class-header-name", "class-header-graded"):
            table.add_column(t(header, lang))
        for x in registry.learners():
            done = latest.get(x.account_id, {})
            table.add_row(x.account_id, x.name, ", ".join(f"{s} {r['score']}/{r['max_score']}" for s, r in done.items())
                          or "-")
        Console().print(table)
        meta = registry.meta()
        click.echo(t("class-list-footer", lang, path=registry.file, endpoint=meta.get("endpoint", "-"),
                     token=meta.get("admin_token", "-")))

    @class_.command(name="sheet", help=t("help-class-sheet"))
    @click.option("--format", "fmt", type=click.Choice(["html", "text"]), default="html", show_default=True,
                  help=t("help-class-sheet-format"))
    @click.option("--output", type=click.Path(dir_okay=False), default=None, help=t("help-grade-output"))
    @lang_option
    def sheet_(fmt, output, lang):
        from ..classroom import sheet

        lang = i18n.use(lang)
        registry = _registry_with_class()
        meta = registry.meta()
        body = sheet.render(fmt, registry.learners(), meta["endpoint"], meta["region"], lang)
        if output:
            write_report(output, body, mode=0o600)
        else:
            click.echo(body.rstrip("\n"))

    @class_.command(name="grade", help=t("help-class-grade"))
    @click.argument("scenario_ids", metavar="[SCENARIO]...", nargs=-1)
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("gradebook"),
                  show_default=True, help=t("help-class-out"))
    @click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True, help=t("help-class-workers"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-opt-endpoint"))
    @lang_option
    def grade(scenario_ids, out_dir, workers, endpoint, lang):
        from ..classroom import batch

        lang = i18n.use(lang)
        registry = _registry_with_class()
        scenarios = _scenarios(scenario_ids)
        endpoint = config.endpoint(endpoint)
        require_emulator(endpoint)
        learners = registry.learners()
        region = registry.meta().get("region") or config.region()
        began = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task(t("class-grading", lang), total=len(learners) * len(scenarios))
            rows = batch.grade_all(learners, scenarios, endpoint, region, lang, registry, workers,
                                   on_done=lambda *_: progress.advance(task))
        elapsed = time.perf_counter() - began
        written = batch.write_exports(out_dir, rows, [sc.id for sc in scenarios], elapsed)
        complete = sum(row.complete for row in rows)
        click.echo(t("class-graded", lang, learners=len(rows), scenarios=len(scenarios), complete=complete,
                     seconds=f"{elapsed:.1f}", csv=written["csv"], junit=written["junit"],
                     gradescope=written["gradescope"]))
        for row in rows:
            for sid, why in row.errors.items():
                click.echo(f"awslab: {t('warning-prefix')}: {row.learner.account_id} {sid}: {why}", err=True)
        _exit_for(rows)

    @cli.command(name="grade-submission", help=t("help-grade-submission"))
    @click.argument("folders", metavar="DIR...", nargs=-1, required=True,
                    type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--scenario", "scenario_id", required=True, metavar="ID", help=t("help-submission-scenario"))
    @click.option("--timeout", type=click.FloatRange(1, 3600), default=120.0, show_default=True,
                  help=t("help-submission-timeout"))
    @click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("submissions"),
                  show_default=True, help=t("help-submission-out"))
    @click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True, help=t("help-class-workers"))
    @click.option("--keep", is_flag=True, help=t("help-submission-keep"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-opt-endpoint"))
    @click.option("--region", default=None, help=t("help-opt-region"))
    @lang_option
    def grade_submission(folders, scenario_id, timeout, out_dir, workers, keep, endpoint, region, lang):
        from concurrent.futures import ThreadPoolExecutor

        from ..classroom.registry import Registry
        from ..classroom.submission import grade_submission as run_one

        lang = i18n.use(lang)
        sc = _scenarios([scenario_id])[0]
        endpoint, region = config.endpoint(endpoint), config.region(region)
        require_emulator(endpoint)
        registry = Registry()
        names = [f.resolve().name or "submission" for f in folders]
        outs = [out_dir / (n if names.count(n) == 1 else f"{n}-{i}") for i, n in enumerate(names, 1)]
        with _progress() as progress, ThreadPoolExecutor(max_workers=workers) as pool:
            task = progress.add_task(t("submission-grading", lang), total=len(folders))

            def one(folder, out):
                try:
                    return run_one(folder, sc, endpoint, region, lang, registry, timeout, out, keep)
                finally:
                    progress.advance(task)

            rows = list(pool.map(one, folders, outs))
        for folder, out, row in zip(folders, outs, rows, strict=True):
            result = row.results.get(sc.id)
            score = f"{result.score}/{result.max_score}" if result else t("submission-not-graded", lang)
            click.echo(t("submission-line", lang, folder=folder, account=row.learner.account_id, score=score,
                         notes=" ".join(row.notes + list(row.errors.values())), out=out))
        _exit_for(rows)

    @cli.command(help=t("help-serve"))
    @click.option("--host", default="127.0.0.1", show_default=True, help=t("help-serve-host"))
    @click.option("--port", type=int, default=8080, show_default=True, help=t("help-serve-port"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-opt-endpoint"))
    @lang_option
    def serve(host, port, endpoint, lang):
        from ..classroom.registry import Registry
        from ..classroom.server import serve as make_server

        lang = i18n.use(lang)
        endpoint = config.endpoint(endpoint)
        try:
            server = make_server(host, port, endpoint, Registry())
        except OSError as exc:
            raise AwslabError(t("err-serve", host=host, port=port, problem=exc.strerror or exc)) from None
        click.echo(t("serve-listening", lang, url=f"http://{host}:{server.server_address[1]}", endpoint=endpoint,
                     path=Registry().file), err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
