"""GET/PUT /_awslab/accounts/<id>/s3-enforcement: is S3 policy enforcement on for the account?

PUT body {"enabled": true | false | null} (null = back to the emulator-wide default).
Answer: {"account", "enabled", "default", "explicit"}.
"""

from __future__ import annotations

import json

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, error_response, json_response

from . import settings


class EnforcementRoutes:
    @route("/_awslab/accounts/<account_id>/s3-enforcement", methods=["GET", "PUT"])
    def enforcement(self, request: Request, account_id: str) -> Response:
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
