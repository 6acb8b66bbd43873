"""The patches of the internal-calls plugin (see __init__.py): LocalStack's DTO serialiser signs,
its enricher (first handler of the request chain) verifies."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import sys
from types import MappingProxyType

LOG = logging.getLogger(__name__)

# The secret lives only in this process's memory: LocalStack's internal clients run here.
TOKEN = secrets.token_hex(32)
_FIELD = "awslab_internal"

# Headers LocalStack honours only from its own clients: the DTO (internal call, service principal,
# source ARN) and the SQS poller's overrides of MaxNumberOfMessages (above 10) and WaitTimeSeconds.
INTERNAL_HEADERS = ("x-localstack-data", "x-localstack-sqs-override-message-count",
                    "x-localstack-sqs-override-wait-time-seconds")

_original_dump = None


def signed_dump_dto(data) -> str:
    return _original_dump({**data, _FIELD: TOKEN})


def verified_dto(header: str) -> dict | None:
    """The DTO of an `x-localstack-data` value made in this process, without the secret; else None."""
    try:
        dto = json.loads(header)
    except ValueError:
        return None
    if not isinstance(dto, dict):
        return None
    token = dto.pop(_FIELD, None)
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), TOKEN.encode()):
        return None
    return dto


def strip_internal_headers(request) -> list[str]:
    """Remove LocalStack's internal-only headers from `request` (its header list and the WSGI
    environ, in any spelling: `X_LocalStack_Data` reaches the environ as HTTP_X_LOCALSTACK_DATA)."""
    wanted = set(INTERNAL_HEADERS)
    removed = [name for name in list(request.headers.keys()) if name.lower().replace("_", "-") in wanted]
    for name in removed:
        request.headers.remove(name)
    for name in INTERNAL_HEADERS:
        request.environ.pop("HTTP_" + name.upper().replace("-", "_"), None)
    return removed


def enrich(self, chain, context, response) -> None:
    """Replaces InternalRequestParamsEnricher.__call__ (the first handler of LocalStack's chain)."""
    request = context.request
    header = request.headers.get("x-localstack-data")
    dto = verified_dto(header) if header else None
    if dto is None:
        removed = strip_internal_headers(request)
        if removed:
            LOG.warning("awslab: removed LocalStack-internal headers %s from an external request %s %s",
                        removed, request.method, request.path)
        return
    # Whatever reads or forwards the header from here on sees LocalStack's own form, without the secret.
    request.headers["x-localstack-data"] = _original_dump(dto)
    context.internal_request_params = MappingProxyType(dto)


def install() -> None:
    global _original_dump
    from localstack.aws import connect
    from localstack.aws.handlers.internal_requests import InternalRequestParamsEnricher

    if _original_dump is not None:
        return
    _original_dump = connect.dump_dto
    connect.dump_dto = signed_dump_dto
    # Modules that imported dump_dto by name before this hook ran (API Gateway integrations,
    # request_context) are rebound; later imports get the signing one from connect.
    for module in list(sys.modules.values()):
        if vars(module).get("dump_dto") is _original_dump if hasattr(module, "__dict__") else False:
            module.dump_dto = signed_dump_dto
    InternalRequestParamsEnricher.__call__ = enrich
