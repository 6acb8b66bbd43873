"""POST /_awslab/cloudtrail/<account>/flush: record every call made so far and deliver the
account's pending CloudTrail records to S3 now -> {"account": ..., "files": [...]}, one entry per
log file: {"trail", "region", "bucket", "records", "key"} or, when the delivery failed, "error"
instead of "key". `awslab trail flush` and the grader call it instead of waiting for the interval.

GET /_awslab/cloudtrail/stats: calls captured on the request path and records built by the worker,
with the seconds spent on each (bench/bench_cloudtrail.py reports the cost per call)."""

from __future__ import annotations

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, json_response

from .recorder import RECORDER


class CloudTrailRoutes:
    @route("/_awslab/cloudtrail/<account_id>/flush", methods=["POST"])
    def flush(self, request: Request, account_id: str) -> Response:
        return bad_account(account_id) or json_response(
            {"account": account_id, "files": RECORDER.flush(account_id)}
        )

    @route("/_awslab/cloudtrail/stats", methods=["GET"])
    def stats(self, request: Request) -> Response:
        return json_response(dict(RECORDER.stats))
