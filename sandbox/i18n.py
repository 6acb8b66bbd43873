"""Japanese and English texts for everything awslab itself prints (scenario texts live in each
scenario's scenario.yaml). tests/test_i18n.py checks that every key exists in both languages."""

from __future__ import annotations

import locale
import os
from functools import lru_cache
from pathlib import Path
from string import Template

import yaml

LANGS = ("ja", "en")
CATALOG = Path(__file__).with_name("messages.yaml")


def default_lang() -> str:
    """AWSLAB_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG): Japanese locales get ja."""
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
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))


def t(key: str, lang: str, **params) -> str:
    """The text `key` in `lang`, with $name placeholders filled from params."""
    entry = catalog()[key]
    return Template(entry[lang]).safe_substitute({k: str(v) for k, v in params.items()})
