"""The request-chain handler behind the service_permissions plugin.

LocalStack's services call each other through internal clients that carry the calling service's
principal and the source ARN (`internal_request_params`: service_principal, source_arn). On AWS such
a call succeeds only if the target's resource-based policy admits that service principal:

| delivery | target policy | refusal |
|---|---|---|
| EventBridge rule, S3 event notification, SNS subscription -> Lambda Invoke (also S3's DryRun check when the notification configuration is saved) | the function's policy (`lambda add-permission`), of the version or alias invoked, or of the unqualified function | Lambda `AccessDeniedException` 403 |
| S3 event notification, EventBridge rule -> SNS Publish | the topic policy | SNS `AuthorizationError` 403 |
| S3, SNS, EventBridge -> SQS SendMessage to a queue encrypted with a KMS key | the key policy: kms:GenerateDataKey and kms:Decrypt for the service (never the AWS managed key aws/sqs) | SQS `KMS.AccessDeniedException` |

Sources: Lambda Developer Guide "Viewing resource-based IAM policies in Lambda" / "Granting
function access to AWS services" (a permission names a function, a version or an alias; the
service principal with aws:SourceArn / aws:SourceAccount); "Using Lambda with Amazon EventBridge",
"Process Amazon S3 event notifications with Lambda", "Invoking Lambda functions with Amazon SNS
notifications"; Amazon S3 User Guide "Granting permissions to publish event notification messages
to a destination" (SNS topic policy for s3.amazonaws.com); EventBridge User Guide "Using
resource-based policies for Amazon EventBridge" (Lambda and SNS targets rely on resource-based
policies). Effects as on AWS: an EventBridge target delivery fails (journal `target-failed`),
an S3 notification or SNS message is not delivered, and PutBucketNotificationConfiguration to a
function or topic that does not admit S3 fails with InvalidArgument "Unable to validate the
following destination configurations" (LocalStack's S3 turns the refused DryRun / test message into
that error). Every refusal is journaled as hop `service-denied` with the deciding policy.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox import iam_policy

from ..journal import store as journal
from ..queue_policy.handler import _condition_context, _service_principal

LOG = logging.getLogger(__name__)

# The services whose deliveries rely on the target's resource-based policy (the rest of LocalStack's
# internal calls either act with a role, e.g. Step Functions, Pipes, Firehose, or are not modelled).
LAMBDA_INVOKERS = {"events", "s3", "sns"}
SNS_PUBLISHERS = {"events", "s3"}
QUEUE_SENDERS = {"events", "s3", "sns"}  # deliveries to an encrypted queue need its KMS key
FUNCTION_POLICY, TOPIC_POLICY, KEY_POLICY = "function policy", "topic policy", "key policy"
AWS_MANAGED_KEY_POLICY = "key policy of the AWS managed key aws/sqs"


def enforce_service_permissions(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.operation is None:
        return
    params = context.internal_request_params or {}
    principal = params.get("service_principal")
    if not principal:
        return  # a learner's own call (authorized elsewhere), or LocalStack acting as no service
    short = principal.removesuffix(".amazonaws.com")
    service, operation = context.service.service_name, context.operation.name
    if service == "lambda" and operation == "Invoke" and short in LAMBDA_INVOKERS:
        _check_invoke(context, _service_principal(principal), params.get("source_arn"))
    elif service == "sns" and operation == "Publish" and short in SNS_PUBLISHERS:
        _check_publish(context, _service_principal(principal), params.get("source_arn"))
    elif service == "sqs" and operation in ("SendMessage", "SendMessageBatch") and short in QUEUE_SENDERS:
        _check_queue_key(context, _service_principal(principal), params.get("source_arn"))


def _check_queue_key(context: RequestContext, principal: str, source_arn: str | None) -> None:
    """A service sending to an encrypted queue needs kms:GenerateDataKey and kms:Decrypt on its key
    (Amazon SQS Developer Guide, "Enable compatibility between AWS services and encrypted queues":
    the AWS managed key aws/sqs cannot be used, its key policy admits no service principal; a customer
    managed key's policy must allow the service)."""
    from localstack.services.sqs.models import sqs_stores
    from localstack.services.sqs.utils import parse_queue_url

    queue_url = (context.service_request or {}).get("QueueUrl") or ""
    account, region, name = parse_queue_url(queue_url)
    region = region or context.region
    queue = sqs_stores[account][region].queues.get(name)
    key_ref = queue.attributes.get("KmsMasterKeyId") if queue is not None else None
    if not key_ref:
        return  # not encrypted, or SSE-SQS (SqsManagedSseEnabled): SQS's own keys, no key policy
    key_arn, policy, managed = _queue_key(key_ref, account, region)
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        if managed:
            decision = iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, AWS_MANAGED_KEY_POLICY,
                                           iam_policy.NO_ALLOW, policy_type=iam_policy.RESOURCE_BASED)
        else:
            decision = _decide(policy, action, key_arn, principal, source_arn, KEY_POLICY)
        if not decision.allowed:
            _journal(account, region, principal, source_arn, action, key_arn, decision, queue=queue.arn)
            raise CommonServiceException(
                "KMS.AccessDeniedException", f"User: {principal} is not authorized to perform: {action} on "
                f"resource: {key_arn} because {_because(decision, action)}", 400, True)


def _queue_key(key_ref: str, account: str, region: str) -> tuple[str, str | None, bool]:
    """(key ARN, key policy, AWS managed?) of a queue's KmsMasterKeyId (key id, key ARN, alias or
    alias ARN); a key that does not exist has no policy."""
    from localstack.services.kms.models import kms_stores

    if key_ref.startswith("arn:"):
        parts = key_ref.split(":", 5)
        account, region, key_ref = parts[4], parts[3], parts[5].removeprefix("key/")
    store = kms_stores[account][region]
    if key_ref.startswith("alias/"):
        if key_ref.startswith("alias/aws/"):
            return f"arn:aws:kms:{region}:{account}:{key_ref}", None, True
        alias = store.aliases.get(key_ref)
        key_ref = alias.metadata.get("TargetKeyId") if alias is not None else key_ref
    key = store.keys.get(key_ref)
    if key is None:
        return f"arn:aws:kms:{region}:{account}:key/{key_ref}", None, False
    return key.metadata["Arn"], key.policy, key.metadata.get("KeyManager") == "AWS"


def _check_invoke(context: RequestContext, principal: str, source_arn: str | None) -> None:
    from localstack.services.lambda_.api_utils import function_locators_from_arn
    from localstack.services.lambda_.invocation.models import lambda_stores

    request = context.service_request or {}
    name, arn_qualifier, account, region = function_locators_from_arn(request.get("FunctionName") or "")
    account, region = account or context.account_id, region or context.region
    qualifier = request.get("Qualifier") or arn_qualifier
    function = lambda_stores[account][region].functions.get(name)
    if function is None:
        return  # Lambda itself answers ResourceNotFoundException
    unqualified = f"arn:aws:lambda:{region}:{account}:function:{name}"
    resource = unqualified if qualifier in (None, "$LATEST") else f"{unqualified}:{qualifier}"
    permission = function.permissions.get(qualifier or "$LATEST")
    document = dataclasses.asdict(permission.policy) if permission is not None else None
    decision = _decide(document, "lambda:InvokeFunction", resource, principal, source_arn, FUNCTION_POLICY)
    if decision.allowed:
        return
    _journal(account, region, principal, source_arn, "lambda:InvokeFunction", resource, decision)
    raise CommonServiceException(
        "AccessDeniedException",
        f"User: {principal} is not authorized to perform: lambda:InvokeFunction on resource: {resource} "
        f"because {_because(decision, 'lambda:InvokeFunction')}", 403, True)


def _check_publish(context: RequestContext, principal: str, source_arn: str | None) -> None:
    from localstack.services.sns.models import sns_stores
    from localstack.utils.aws.arns import parse_arn

    topic_arn = (context.service_request or {}).get("TopicArn") or ""
    try:
        parts = parse_arn(topic_arn)
    except Exception:
        return  # SNS itself answers the malformed ARN
    topic = sns_stores[parts["account"]][parts["region"]].topics.get(topic_arn)
    if topic is None:
        return  # SNS itself answers NotFound
    document = (topic.get("attributes") or {}).get("Policy")
    decision = _decide(document, "sns:Publish", topic_arn, principal, source_arn, TOPIC_POLICY)
    if decision.allowed:
        return
    _journal(parts["account"], parts["region"], principal, source_arn, "sns:Publish", topic_arn, decision)
    raise CommonServiceException(
        "AuthorizationError", f"User: {principal} is not authorized to perform: SNS:Publish on resource: "
        f"{topic_arn} because {_because(decision, 'SNS:Publish')}", 403, True)


def _decide(document, action: str, resource: str, principal: str, source_arn: str | None,
            policy_name: str) -> iam_policy.Decision:
    if not document:
        return iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, policy_name, iam_policy.NO_ALLOW,
                                   policy_type=iam_policy.RESOURCE_BASED)
    request = iam_policy.Request(action=action, resource=resource, principal={"Service": principal},
                                 context=_condition_context(source_arn))
    try:
        decision = iam_policy.evaluate(json.loads(document) if isinstance(document, str) else document, request)
    except (iam_policy.PolicyError, ValueError) as exc:
        LOG.warning("awslab: cannot evaluate the %s of %s: %s", policy_name, resource, exc)
        decision = iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, None, f"invalid-policy: {exc}")
    decision.policy, decision.policy_type = policy_name, iam_policy.RESOURCE_BASED
    return decision


def _because(decision: iam_policy.Decision, action: str) -> str:
    # The wording of AWS's access-denied messages (IAM User Guide, "Troubleshoot access denied
    # error messages": "because no resource-based policy allows the <action> action").
    if decision.effect == iam_policy.DENY:
        return "with an explicit deny in a resource-based policy"
    return f"no resource-based policy allows the {action} action"


def _journal(account: str, region: str, principal: str, source_arn: str | None, action: str,
             resource: str, decision: iam_policy.Decision, **fields) -> None:
    journal.record(account, region, "service-denied", principal=principal, source_arn=source_arn,
                   action=action, resource=resource, explicit=decision.effect == iam_policy.DENY,
                   decision=decision.as_dict(), **fields)
