"""Who invoked a function, and the `lambda-result` hop of the event journal.

The executor only sees LocalStack's invoke payload (request id, ARN, event). How the function was
invoked is known on the request chain: every invocation, also those by EventBridge, S3
notifications and SQS event source mappings, is an Invoke call through the gateway (internal calls
carry the calling service and its source ARN). note_invoke() keeps that per request id; the
executor looks it up when it records the result.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox.plugins.journal import store

# Invocations remembered until their result is recorded; async retries reuse the request id, so
# entries are not removed on use but the oldest go first.
MAX_REMEMBERED = 5000
PLATFORM_LINE_PREFIXES = ("START RequestId:", "END RequestId:", "REPORT RequestId:")
LOG_TAIL_LINES = 10

_lock = threading.Lock()
_calls: OrderedDict[str, dict] = OrderedDict()


def note_invoke(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "lambda":
        return
    if context.operation is None or context.operation.name != "Invoke":
        return
    request = context.service_request or {}
    params = context.internal_request_params or {}
    info = {"invocation_type": request.get("InvocationType") or "RequestResponse"}
    if params.get("service_principal"):
        info["invoked_by"] = params["service_principal"]
    if params.get("source_arn"):
        info["source_arn"] = params["source_arn"]
    with _lock:
        _calls[context.request_id] = info
        while len(_calls) > MAX_REMEMBERED:
            _calls.popitem(last=False)


def invoked_how(request_id: str) -> dict:
    with _lock:
        return dict(_calls.get(request_id) or {"invocation_type": "RequestResponse"})


def summarize(payload: bytes | None, is_error: bool) -> tuple[str, str | None, str | None]:
    """(status, error_type, error_message) of an invocation result in AWS's error shape."""
    if not is_error:
        return "ok", None, None
    try:
        body = json.loads(payload or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return "error", "Unhandled", (payload or b"").decode("utf-8", errors="replace")[:1000] or None
    error_type = body.get("errorType")
    status = "timeout" if error_type == "Sandbox.Timedout" else "error"
    return status, error_type, body.get("errorMessage")


def log_tail(logs: str | None, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The function's own last output lines (START/END/REPORT left out)."""
    own = [line for line in (logs or "").splitlines()
           if line.strip() and not line.startswith(PLATFORM_LINE_PREFIXES)]
    return own[-lines:]


def record_result(function_version, request_id: str, result, duration_ms: float,
                  access_key: str | None = None) -> dict:
    """Append the `lambda-result` hop for one invocation to the account's journal. `access_key` is
    the execution environment's role-session key (AWS_ACCESS_KEY_ID): the `api-call` and
    `s3-delivery` hops of the function's own calls carry the same key."""
    status, error_type, error_message = summarize(result.payload, result.is_error)
    fid = function_version.id
    return store.record(
        fid.account, fid.region, "lambda-result",
        function_name=fid.function_name,
        function_arn=fid.unqualified_arn(),
        qualifier=fid.qualifier,
        request_id=request_id,
        access_key=access_key,
        **invoked_how(request_id),
        duration_ms=round(duration_ms, 1),
        status=status,
        error_type=error_type,
        error_message=error_message,
        log_tail=log_tail(result.logs),
    )
