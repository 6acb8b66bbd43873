"""The request-chain handler behind the queue_policy plugin."""

from __future__ import annotations

import logging

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from localstack.services.sqs.models import sqs_stores
from localstack.services.sqs.utils import parse_queue_url

from sandbox import iam_policy

from .. import localstack_state

LOG = logging.getLogger(__name__)
SEND_OPERATIONS = {"SendMessage", "SendMessageBatch"}


def enforce_queue_policy(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "sqs":
        return
    if context.operation is None or context.operation.name not in SEND_OPERATIONS:
        return
    params = context.internal_request_params or {}
    principal = params.get("service_principal")
    if not principal:
        return  # a learner's own call, or LocalStack internals that act as no service
    queue_url = (context.service_request or {}).get("QueueUrl")
    if not queue_url:
        return
    account_id, region, name = parse_queue_url(queue_url)
    region = region or context.region
    queue = sqs_stores[account_id][region].queues.get(name)
    if queue is None:
        return  # SQS itself answers QueueDoesNotExist
    source_arn = params.get("source_arn")
    request = iam_policy.Request(
        action=f"sqs:{context.operation.name.removesuffix('Batch')}",
        resource=queue.arn,
        principal={"Service": _service_principal(principal)},
        context=_condition_context(source_arn),
    )
    document = queue.attributes.get("Policy")
    try:
        allowed = bool(document) and iam_policy.evaluate(document, request).allowed
    except iam_policy.PolicyError:
        allowed = False
    if not allowed:
        LOG.info("awslab: queue policy of %s refuses %s (source %s)", queue.arn, principal, source_arn)
        raise CommonServiceException(
            "AccessDenied", f"Access to the resource {queue_url} is denied.",
            status_code=403, sender_fault=True,
        )


def _service_principal(principal: str) -> str:
    return principal if "." in principal else f"{principal}.amazonaws.com"


def _condition_context(source_arn: str | None) -> dict:
    if not source_arn:
        return {}
    context = {"aws:SourceArn": source_arn}
    parts = source_arn.split(":")
    account = parts[4] if len(parts) > 5 else ""
    if not account and parts[2:3] == ["s3"]:
        # Bucket ARNs carry no account: aws:SourceAccount is the bucket owner's.
        account = localstack_state.bucket_owner(parts[5].split("/", 1)[0]) or ""
    if account:
        context["aws:SourceAccount"] = account
    return context
