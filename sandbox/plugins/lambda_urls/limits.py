"""Lambda's invocation payload quotas (Lambda Developer Guide, "Lambda quotas"; API reference,
"Invoke"; the error text as AWS answers it, e.g. "6291457 byte payload is too large for the
RequestResponse invocation type (limit 6291456 bytes)", code RequestEntityTooLargeException, 413): 6 MB for a synchronous request and for its response, 1 MB for an asynchronous request.

The request limit is checked here, on the Invoke call; the response limit where the executor
receives the function's response (lambda_process/executor.py, response_too_large()).
"""

from __future__ import annotations

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from localstack.services.lambda_.invocation.lambda_models import RequestEntityTooLargeException

# Request payload: 6 MB (6 MiB) for RequestResponse / DryRun, 1 MB for Event.
SYNC_REQUEST_MAX = 6 * 1024 * 1024
ASYNC_REQUEST_MAX = 1024 * 1024
# Response payload: the figure AWS names in its error message.
RESPONSE_MAX = 6_291_556
RESPONSE_TOO_LARGE_TYPE = "Function.ResponseSizeTooLarge"
RESPONSE_TOO_LARGE_MESSAGE = f"Response payload size exceeded maximum allowed payload size ({RESPONSE_MAX} bytes)."


def request_limit(invocation_type: str | None) -> int:
    return ASYNC_REQUEST_MAX if invocation_type == "Event" else SYNC_REQUEST_MAX


def check_invoke_payload(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "lambda":
        return
    if context.operation is None or context.operation.name != "Invoke":
        return
    request = context.service_request or {}
    # The parsed Payload is a stream: the body's length is the payload's.
    size = context.request.content_length
    if size is None:
        size = len(context.request.get_data())
    limit = request_limit(request.get("InvocationType"))
    if size > limit:
        invocation_type = "Event" if limit == ASYNC_REQUEST_MAX else "RequestResponse"
        raise RequestEntityTooLargeException(
            f"{size} byte payload is too large for the {invocation_type} invocation type (limit {limit} bytes)")


def response_too_large(payload: bytes | None) -> bytes | None:
    """The function error AWS returns instead of a response over the quota, or None if it fits."""
    if payload is None or len(payload) <= RESPONSE_MAX:
        return None
    import json

    return json.dumps({"errorMessage": RESPONSE_TOO_LARGE_MESSAGE, "errorType": RESPONSE_TOO_LARGE_TYPE}).encode()
