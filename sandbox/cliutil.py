"""Building blocks shared by every `awslab` command module: the localized help option, the
--lang/--account/--region/--endpoint options, the emulator-must-be-up check, report writing.

Command modules (sandbox/commands/<feature>.py) import these so each option reads and behaves
the same everywhere.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import click

from . import accounts, i18n, runtime
from .errors import AwslabError, EmulatorUnavailable
from .i18n import LANGS, t
from .statefiles import write_atomic

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def no_rewrap(text: str) -> str:
    """Keep click from re-flowing indented example blocks (its marker is a line with \\b)."""
    paragraphs = text.strip().split("\n\n")
    return "\n\n".join(
        "\b\n" + p if any(line.startswith("  ") for line in p.splitlines()) else p for p in paragraphs
    )


class _LocalizedHelp:
    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = t("help-help")  # click's own text is English only
        return option


class Command(_LocalizedHelp, click.Command):
    pass


class Group(_LocalizedHelp, click.Group):
    command_class = Command


def lang_option(f):
    return click.option("--lang", type=click.Choice(LANGS), default=None, help=t("help-opt-lang"))(f)


def account_options(f):
    f = click.option("--endpoint", default=None, metavar="URL", help=t("help-opt-endpoint"))(f)
    f = click.option("--region", default=None, help=t("help-opt-region"))(f)
    f = click.option("--account", default=None, metavar="ID", help=t("help-opt-account"))(f)
    return f


def require_emulator(endpoint: str) -> dict:
    from .emulator import EmulatorClient

    try:
        return EmulatorClient(endpoint).info()
    except EmulatorUnavailable:
        runtime.explain_dead_emulator(endpoint)
        raise


def grade_inputs(pairs: tuple[str, ...]) -> dict[str, str]:
    """`awslab grade --input NAME=VALUE ...` as a dict (what a scenario's task asks the learner to
    hand over, such as the private key file of cloudfront-signed-url)."""
    inputs = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise AwslabError(t("err-grade-input", value=pair))
        inputs[name.strip()] = value
    return inputs


def write_report(path: str, body: str, mode: int = 0o666) -> None:
    """Write a report file whole or fail with one line (mode 0o600 for files with secrets)."""
    write_file(path, body.rstrip("\n") + "\n", mode)


def write_file(path: str, data: str | bytes, mode: int = 0o666) -> None:
    """Write an output file (`-o` / `--output`) whole, or fail with one line.

    As `curl -o` does: `-` is standard output; a symlink is followed and a special file (/dev/null,
    a FIFO, a terminal) is opened and written, never replaced. Only a regular file (or a new one)
    is written through a temporary file and a rename, so a reader never sees half a report."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        if path == "-":
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            return
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if target.is_symlink() or (target.exists() and not target.is_file()):
            with open(target, "wb") as fh:
                fh.write(raw)
            return
        write_atomic(target, raw, mode)
    except OSError as exc:
        raise AwslabError(t("err-cannot-write", path=path, problem=exc.strerror or exc)) from None


def scenario(scenario_id: str):
    from grader import scenario as scenarios

    return scenarios.get(scenario_id)


def resolve(scenario_id, account, region, endpoint, lang):
    """(language, scenario, account) for commands that work on one scenario in one account."""
    return i18n.use(lang), scenario(scenario_id), accounts.resolve(account, region, endpoint)


def scenario_env(sc, account: accounts.Account):
    from grader.check import Env

    return Env(account, sc.render_names(account.account_id))
