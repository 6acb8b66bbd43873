"""Every text awslab prints exists in ja and en, and every key used in the code is defined."""

import re
from pathlib import Path
from string import Template

from sandbox.i18n import LANGS, catalog, t

REPO = Path(__file__).resolve().parent.parent


def _fields(s):
    return {m.group("named") or m.group("braced") for m in Template.pattern.finditer(s)} - {None}


def test_catalog_has_both_languages_with_the_same_placeholders():
    for key, entry in catalog().items():
        assert set(entry) == set(LANGS), key
        assert entry["ja"].strip() and entry["en"].strip(), key
        assert _fields(entry["ja"]) == _fields(entry["en"]), key


def test_every_key_used_in_code_exists():
    used = set()
    for path in list((REPO / "sandbox").rglob("*.py")) + list((REPO / "grader").rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9-]*[a-z0-9])["']""", path.read_text()))
        used |= {"status-" + s for s in ("pass", "fail", "error", "skipped")}
    missing = used - set(catalog())
    assert not missing, missing
    assert len(used) > 20


def test_substitution():
    assert t("report-score", "ja", score=3, max=4) == "得点: 3 / 4"
    assert t("report-score", "en", score=3, max=4) == "Score: 3 / 4"


def test_no_unused_keys():
    text = "\n".join(p.read_text() for p in list((REPO / "sandbox").rglob("*.py")) + list((REPO / "grader").rglob("*.py")))
    dynamic = {"status-pass", "status-fail", "status-error", "status-skipped"}
    unused = [k for k in catalog() if k not in dynamic and f'"{k}"' not in text and f"'{k}'" not in text]
    assert not unused, unused
