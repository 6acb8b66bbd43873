"""Japanese and English texts for everything awslab itself prints (scenario texts live in each
scenario's scenario.yaml). The catalog is sandbox/messages/*.yaml, one file per feature (core.yaml
for the commands every scenario uses); a key may be defined in one file only.
tests/test_i18n.py checks that every key exists in both languages."""

from __future__ import annotations

import locale
import os
from functools import lru_cache
from pathlib import Path
from string import Template

from . import yamlio


LANGS = ("ja", "en")
CATALOG_DIR = Path(__file__).with_name("messages")


_chosen: str | None = None


def use(lang: str | None) -> str:
    """Make `lang` (from --lang) the language of everything printed from now on, errors included;
    None keeps the default. Returns the language in effect."""
    global _chosen
    if lang in LANGS:
        _chosen = lang
    return default_lang()


def default_lang() -> str:
    """--lang (see use()), else AWSLAB_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG)."""
    if _chosen:
        return _chosen
    explicit = os.environ.get("AWSLAB_LANG")
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    loc = locale.getlocale()[0] or ""
    return "ja" if loc.lower().startswith("ja") else "en"


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        entries = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
        clash = sorted(set(entries) & set(merged))
        if clash:
            raise RuntimeError(f"{path.name}: keys already defined in another messages file: {', '.join(clash)}")
        merged.update(entries)
    return merged


def t(key: str, lang: str | None = None, **params) -> str:
    """The text `key` in `lang` (default: the language in effect), with $name placeholders filled."""
    entry = catalog()[key]
    lang = lang or default_lang()
    return Template(entry[lang]).safe_substitute({k: str(v) for k, v in params.items()})
