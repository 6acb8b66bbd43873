"""Small helpers for awslab's own routes under /_awslab/ (JSON bodies, errors, account ids)."""

from __future__ import annotations

import json
import re

from localstack.http import Response

ACCOUNT_RE = re.compile(r"^\d{12}$")


def json_response(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def error_response(code: str, message: str, status: int) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def bad_account(account_id: str) -> Response | None:
    """The 400 answer for a malformed account id, or None when it is fine."""
    if ACCOUNT_RE.match(account_id):
        return None
    return error_response("InvalidAccountId", f"account id must be 12 digits: {account_id!r}", 400)


def html_response(title: str, body: str, lang: str, status: int = 200) -> Response:
    """A small self-contained HTML page (awslab's IdP and sign-in pages); `body` is already escaped."""
    from html import escape

    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
            f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>")
    return Response(page, status=status, mimetype="text/html")


def page_lang(request) -> str:
    """ja or en for a page: ?lang= / the form's lang, else the browser's Accept-Language."""
    chosen = request.values.get("lang")
    if chosen in ("ja", "en"):
        return chosen
    return "ja" if request.headers.get("Accept-Language", "").lower().startswith("ja") else "en"


_CSS = ("body{font-family:system-ui,sans-serif;background:#f2f3f3;margin:0}"
        "main{max-width:40rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.2)}h1{font-size:1.4rem}"
        "button{background:#ec7211;color:#fff;border:0;padding:.6rem 1.4rem;border-radius:4px;"
        "font-size:1rem;cursor:pointer}label{display:block;margin:.4rem 0}"
        "pre{background:#232f3e;color:#fff;padding:1rem;white-space:pre-wrap;word-break:break-all;font-size:.8rem}"
        ".error{color:#d13212;font-weight:bold}.who{font-size:1.2rem;font-weight:bold}")
