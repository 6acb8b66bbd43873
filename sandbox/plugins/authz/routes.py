"""GET/PUT /_awslab/accounts/<id>/enforcement: is authorization on for the account? (`s3-enforcement`
is the older name of the same switch.)

PUT body {"enabled": true | false | null} (null = back to the emulator-wide default).
Answer: {"account", "enabled", "default", "explicit"}.
"""

from __future__ import annotations

import json

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, error_response, json_response

from . import settings


class EnforcementRoutes:
    @route("/_awslab/authz/stats", methods=["GET"])
    def stats(self, request: Request) -> Response:
        """Counters of the authorization handler (bench/bench_authz.py)."""
        from .handler import STATS

        return json_response(dict(STATS))

    @route("/_awslab/accounts/<account_id>/enforcement", methods=["GET", "PUT"])
    def enforcement(self, request: Request, account_id: str) -> Response:
        return self._switch(request, account_id)

    @route("/_awslab/accounts/<account_id>/s3-enforcement", methods=["GET", "PUT"])
    def s3_enforcement(self, request: Request, account_id: str) -> Response:
        return self._switch(request, account_id)

    def _switch(self, request: Request, account_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        if request.method == "PUT":
            try:
                value = json.loads(request.data or b"{}").get("enabled")
            except (ValueError, AttributeError):
                value = "invalid"
            if value not in (True, False, None):
                return error_response("InvalidRequest", 'body must be {"enabled": true|false|null}', 400)
            settings.set_enabled(account_id, value)
        return json_response({"account": account_id, "enabled": settings.enabled(account_id),
                              "default": settings.default(), "explicit": settings.explicit(account_id)})
