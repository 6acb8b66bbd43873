"""The printable credentials sheet: one card per learner (name, account, keys, endpoint, region, and
the line that sets a shell up), as HTML (cards never split across pages when printed) or plain text."""

from __future__ import annotations

import html
import shlex

from sandbox.i18n import t

from .registry import Learner

FORMATS = ("html", "text")


def setup_line(learner: Learner, endpoint: str, region: str) -> str:
    """One shell line: `awslab env` prints the exports for the key and secret given to it."""
    return (f'eval "$(AWS_ACCESS_KEY_ID={learner.account_id} AWS_SECRET_ACCESS_KEY={shlex.quote(learner.secret)}'
            f' awslab env --endpoint {shlex.quote(endpoint)} --region {region})"')


def _fields(learner: Learner, endpoint: str, region: str, lang: str) -> list[tuple[str, str]]:
    return [
        (t("sheet-account", lang), learner.account_id),
        (t("sheet-access-key", lang), learner.account_id),
        (t("sheet-secret-key", lang), learner.secret),
        (t("sheet-endpoint", lang), endpoint),
        (t("sheet-region", lang), region),
    ]


def render_text(learners: list[Learner], endpoint: str, region: str, lang: str) -> str:
    cards = []
    for x in learners:
        lines = [f"{t('sheet-card-title', lang, name=x.name)}", "-" * 72]
        lines += [f"{label}: {value}" for label, value in _fields(x, endpoint, region, lang)]
        lines += [f"{t('sheet-setup', lang)}:", f"  {setup_line(x, endpoint, region)}", "=" * 72]
        cards.append("\n".join(lines))
    return "\n\n".join(cards) + "\n"


_CSS = """
body { font-family: sans-serif; margin: 1cm; }
.card { border: 1px dashed #555; padding: 0.6em 1em; margin: 0 0 1em 0; page-break-inside: avoid;
        break-inside: avoid; }
.card h2 { font-size: 1.1em; margin: 0 0 0.4em 0; }
.card table { border-collapse: collapse; }
.card th { text-align: left; padding-right: 1em; font-weight: normal; color: #444; }
.card td, .card pre { font-family: monospace; }
.card pre { white-space: pre-wrap; word-break: break-all; background: #f4f4f4; padding: 0.4em; margin: 0.4em 0 0 0; }
"""


def render_html(learners: list[Learner], endpoint: str, region: str, lang: str) -> str:
    esc = html.escape
    cards = []
    for x in learners:
        rows = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>"
                       for label, value in _fields(x, endpoint, region, lang))
        cards.append(
            f'<section class="card" id="learner-{x.account_id}"><h2>{esc(t("sheet-card-title", lang, name=x.name))}</h2>'
            f"<table>{rows}</table><div>{esc(t('sheet-setup', lang))}:</div>"
            f"<pre>{esc(setup_line(x, endpoint, region))}</pre></section>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{esc(t('sheet-title', lang))}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(cards) + "\n</body></html>\n")


def render(fmt: str, learners: list[Learner], endpoint: str, region: str, lang: str) -> str:
    return (render_html if fmt == "html" else render_text)(learners, endpoint, region, lang)
