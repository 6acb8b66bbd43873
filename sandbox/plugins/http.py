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
