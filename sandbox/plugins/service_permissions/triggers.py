"""Lambda event source mappings (SQS triggers) act with the function's execution role, as on AWS.

- CreateEventSourceMapping / UpdateEventSourceMapping for an SQS queue are refused as AWS refuses
  them (Lambda Developer Guide, "Using Lambda with Amazon SQS": execution role permissions
  sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes; "the queue's visibility timeout
  must be at least the function's timeout"):
    InvalidParameterValueException "The provided execution role does not have permissions to call
    ReceiveMessage on SQS" (the first missing of ReceiveMessage, DeleteMessage, GetQueueAttributes;
    the text AWS answers as quoted in aws-cdk #6770 and serverless-iam-roles-per-function #21;
    newer AWS answers say "The function execution role ...");
    InvalidParameterValueException "Queue visibility timeout: 30 seconds is less than Function
    timeout: 60 seconds".
  The role's policies are judged with the queue policy as AWS combines them (same account: either;
  another account's queue: both).
- The poller's own SQS calls (LocalStack makes them with the role's session credentials, marked
  with the lambda service principal and the function ARN) are authorized as that role session on
  every call: a role that loses the permission stops the mapping's deliveries, and the journal hop
  `trigger-denied` says why (once per minute and mapping while it lasts).
"""

from __future__ import annotations

import logging
import threading
import time

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox import iam_policy

from ..identity import callers
from ..identity.policies import CallerPolicies, policies_of
from ..journal import store as journal

LOG = logging.getLogger(__name__)

ESM_SQS_ACTIONS = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")  # in the order AWS checks them
POLLER_ACTIONS = {"ReceiveMessage": "sqs:ReceiveMessage", "DeleteMessage": "sqs:DeleteMessage",
                  "DeleteMessageBatch": "sqs:DeleteMessage", "GetQueueAttributes": "sqs:GetQueueAttributes"}
# (Lambda's own poller needs no more on AWS: AWSLambdaSQSQueueExecutionRole grants just these three.)
QUEUE_POLICY = "queue policy"
REPEAT_S = 60.0  # a lasting refusal is journaled again after this long
_last_refusal: dict[tuple, float] = {}
_lock = threading.Lock()


def _invalid(message: str) -> CommonServiceException:
    return CommonServiceException("InvalidParameterValueException", message, 400, True)


def _queue(queue_arn: str):
    from localstack.services.sqs.models import sqs_stores
    from localstack.utils.aws.arns import parse_arn

    parts = parse_arn(queue_arn)
    return sqs_stores[parts["account"]][parts["region"]].queues.get(parts["resource"])


def _role_session(role_arn: str, function_name: str) -> callers.Caller:
    """The principal the poller acts as: a session of the function's execution role."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    return callers.Caller(account_id=account, type="AssumedRole",
                          arn=f"arn:aws:sts::{account}:assumed-role/{name}/{function_name}",
                          principal_id=f"{name}:{function_name}", access_key_id=None, role_arn=role_arn,
                          session_name=function_name)


def _decide(caller: callers.Caller, found: CallerPolicies, action: str, queue) -> iam_policy.Decision:
    request = iam_policy.Request(action, queue.arn, {"AWS": caller.arn},
                                 iam_policy.principal_keys(caller.arn, caller.principal_id, caller.role_arn))
    policy = queue.attributes.get("Policy")
    try:
        return iam_policy.authorize(request, identity=found.identity, boundary=found.boundary,
                                    session=found.session,
                                    resource=iam_policy.Policy(policy, QUEUE_POLICY) if policy else None,
                                    resource_account=queue.arn.split(":")[4])
    except iam_policy.PolicyError as exc:
        LOG.warning("awslab: cannot evaluate the policies for %s on %s: %s", action, queue.arn, exc)
        return iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, None, f"invalid-policy: {exc}")


def _function_version(request: dict, context: RequestContext):
    """The function version a mapping request targets (name, ARN, version or alias), or None."""
    from localstack.services.lambda_.api_utils import function_locators_from_arn
    from localstack.services.lambda_.invocation.models import lambda_stores

    name, qualifier, account, region = function_locators_from_arn(
        request.get("FunctionName") or request.get("FunctionArn") or "")
    function = lambda_stores[account or context.account_id][region or context.region].functions.get(name)
    if function is None:
        return None
    if qualifier in function.aliases:
        qualifier = function.aliases[qualifier].function_version
    return function.versions.get(qualifier or "$LATEST")


def check_mapping(request: dict, context: RequestContext) -> None:
    """The checks AWS makes when an SQS event source mapping is created or updated."""
    source = request.get("EventSourceArn") or ""
    version = _function_version(request, context) if ":sqs:" in source else None
    if version is None or not version.config.role:
        return  # not SQS, or LocalStack's own validation answers the missing function
    queue = _queue(source)
    if queue is None:
        return  # LocalStack's own validation answers a missing queue
    caller = _role_session(version.config.role, version.id.function_name)
    found = policies_of(caller)
    for name in ESM_SQS_ACTIONS:
        if not _decide(caller, found, f"sqs:{name}", queue).allowed:
            raise _invalid(f"The provided execution role does not have permissions to call {name} on SQS")
    visibility = int(queue.attributes.get("VisibilityTimeout") or 30)
    timeout = int(version.config.timeout or 3)
    if visibility < timeout:
        raise _invalid(f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                       f"{timeout} seconds")


def patch_mapping_validation() -> None:
    from localstack.services.lambda_.provider import LambdaProvider
    from localstack.utils.patch import patch

    @patch(LambdaProvider.validate_event_source_mapping)
    def _validate(fn, self, context, request):
        # Before LocalStack's own checks: they read the queue as the role (GetQueueAttributes through
        # authorize_poller), which would fail first with a less helpful InternalError.
        if not context.is_internal_call:
            check_mapping(request, context)
        return fn(self, context, request)


def authorize_poller(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "sqs" or context.operation is None:
        return
    params = context.internal_request_params or {}
    if params.get("service_principal") not in ("lambda", "lambda.amazonaws.com"):
        return
    action = POLLER_ACTIONS.get(context.operation.name)
    function_arn = params.get("source_arn") or ""
    key = callers.access_key_of(context.request)
    if action is None or ":function:" not in function_arn or not key:
        return
    queue_url = (context.service_request or {}).get("QueueUrl") or ""
    from localstack.services.sqs.models import sqs_stores
    from localstack.services.sqs.utils import parse_queue_url

    account, region, name = parse_queue_url(queue_url)
    queue = sqs_stores[account][region or context.region].queues.get(name)
    caller = callers.caller_for_key(key)
    if queue is None or caller.type != "AssumedRole":
        return
    decision = _decide(caller, policies_of(caller), action, queue)
    mark = (function_arn, queue.arn, action)
    if decision.allowed:
        _last_refusal.pop(mark, None)
        return
    now = time.monotonic()
    with _lock:
        recent = now - _last_refusal.get(mark, -REPEAT_S) < REPEAT_S
        _last_refusal[mark] = now if not recent else _last_refusal[mark]
    if not recent:
        journal.record(function_arn.split(":")[4], function_arn.split(":")[3], "trigger-denied",
                       function_arn=function_arn, queue_arn=queue.arn, action=action, role=caller.role_arn,
                       decision=decision.as_dict())
    raise CommonServiceException(
        "AccessDenied", f"User: {caller.arn} is not authorized to perform: {action} on resource: {queue.arn} "
        f"because no identity-based policy allows the {action} action", 403, True)
