"""HTTP routes under /_awslab/ used by the awslab CLI and grader (which never import LocalStack)."""

from __future__ import annotations

import json

from localstack.http import Request, Response, route

import sandbox
from sandbox.plugins import LOADED
from sandbox.plugins.http import bad_account, error_response as _error, json_response as _json

from .reset import reset_account
from .sqs_messages import remove_messages


class AdminRoutes:
    @route("/_awslab/info", methods=["GET"])
    def info(self, request: Request) -> Response:
        about = {"awslab": sandbox.__version__, "plugins": sorted(LOADED)}
        if "lambda_process" in LOADED:
            from sandbox.plugins.lambda_process.confinement import CONFINEMENT

            about["lambda_sandbox"] = {"confined": CONFINEMENT.enabled, "problem": CONFINEMENT.problem}
        return _json(about)

    @route("/_awslab/accounts/<account_id>/reset", methods=["POST"])
    def reset(self, request: Request, account_id: str) -> Response:
        return bad_account(account_id) or _json(reset_account(account_id))

    @route(
        "/_awslab/sqs/<region>/<account_id>/<queue_name>/remove-messages", methods=["POST"]
    )
    def remove_sqs_messages(
        self, request: Request, region: str, account_id: str, queue_name: str
    ) -> Response:
        try:
            ids = json.loads(request.data or b"{}").get("MessageIds") or []
        except ValueError:
            return _error("InvalidRequest", "body must be JSON: {\"MessageIds\": [...]}", 400)
        removed = remove_messages(account_id, region, queue_name, ids)
        if removed is None:
            return _error("QueueDoesNotExist", f"no queue {queue_name} in {account_id}/{region}", 404)
        return _json({"Removed": removed})
