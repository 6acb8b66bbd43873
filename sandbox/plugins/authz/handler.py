"""The request-chain handler of the authorization plugin: IAM decides every call.

Every AWS request that is not LocalStack-internal (service-to-service deliveries, which the
queue_policy plugin and branch authz-sts judge) and not the grader's inspection (User-Agent marker
sandbox.accounts.GRADER_USER_AGENT) is authorized by the caller's identity (identity plugin) with
sandbox/iam_policy.py's authorize() — the one engine — as the IAM User Guide's "Policy evaluation
logic" describes: identity-based policies (inline, managed, groups), the resource's policy
(resources.py), permissions boundary, session policy, explicit deny, union within one account,
intersection across accounts. The account's root user may do anything in its own account that no
resource policy explicitly denies; another account reaches a resource only when its resource policy
admits it. KMS: the key policy decides; IAM policies count only when the key policy delegates to
the account ("Key policies in AWS KMS", AWS KMS Developer Guide). S3 keeps its own part (s3.py:
several actions per request, bucket policy, VPC endpoint policies, S3's AccessDenied XML).
Skipped: STS (AssumeRole* and its trust policies are branch authz-sts; GetCallerIdentity needs no
permission), unsigned requests to services other than S3 (left to the signature plugin), accounts
whose owner switched enforcement off (settings.py). Refusals are journaled (hop "authorization")
in the caller's and the resource owner's journal, with the deciding policy and statement.
"""

from __future__ import annotations

import logging

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox import iam_policy
from sandbox.accounts import GRADER_USER_AGENT

from ..identity import callers
from ..identity.policies import policies_of
from ..journal import store as journal
from . import errors, resources, s3, settings
from .actions import Target, targets_for
from .common import CALLERS, POLICIES, now_keys, principal_context

LOG = logging.getLogger(__name__)
SKIPPED_SERVICES = {"sts"}
# Counters for bench/bench_authz.py (GET /_awslab/authz/stats).
STATS = {"requests": 0, "decisions": 0, "refusals": 0}


def authorize_request(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.operation is None or not settings.any_enabled():
        return
    if context.is_internal_call or GRADER_USER_AGENT in context.request.headers.get("User-Agent", ""):
        return
    service = context.service.service_name
    STATS["requests"] += 1
    if service == "s3":
        s3.enforce_s3_policies(context)
        return
    if service in SKIPPED_SERVICES:
        return
    key = callers.access_key_of(context.request)
    if not key:
        return
    caller = CALLERS.get(key, lambda: callers.caller_for_key(key))
    params = context.service_request or {}
    operation = context.operation.name
    for target in targets_for(service, operation, params, context.region, caller.account_id):
        owner = target.account or caller.account_id
        if not settings.enabled(owner):
            continue
        if caller.type == "Root" and owner == caller.account_id and target.kind is None:
            continue  # own account, no resource policy: nothing can refuse the root user
        decision, resource = decide(target, caller, key, context, params)
        if not decision.allowed:
            STATS["refusals"] += 1
            _journal(caller, owner, context, target.action, resource, decision)
            raise errors.refusal(service, context.service.protocol, caller.arn, target.action, resource, decision)


def _request_tags(params: dict) -> dict:
    tags = params.get("Tags") or params.get("tags")
    if isinstance(tags, dict):
        pairs = tags.items()
    elif isinstance(tags, list):
        pairs = [(t.get("Key", t.get("TagKey")), t.get("Value", t.get("TagValue"))) for t in tags
                 if isinstance(t, dict)]
    else:
        return {}
    found = {f"aws:RequestTag/{k}": v for k, v in pairs if k}
    if found:
        found["aws:TagKeys"] = [k.split("/", 1)[1] for k in found]
    return found


def context_keys(context: RequestContext, caller, owner: str, params: dict, tags: dict) -> dict:
    """Global condition keys of a (non-S3) request."""
    current_time, epoch = now_keys()
    keys: dict[str, object] = {
        "aws:CurrentTime": current_time, "aws:EpochTime": epoch,
        "aws:SecureTransport": context.request.scheme == "https",
        "aws:RequestedRegion": context.region, "aws:ResourceAccount": owner,
        "aws:SourceIp": context.request.remote_addr or "127.0.0.1", "aws:ViaAWSService": False,
        **principal_context(caller), **_request_tags(params),
    }
    agent = context.request.headers.get("User-Agent")
    if agent:
        keys["aws:UserAgent"] = agent
    keys.update({f"aws:PrincipalTag/{k}": v for k, v in tags.items()})
    return keys


def decide(target: Target, caller, key: str, context: RequestContext, params: dict
           ) -> tuple[iam_policy.Decision, str]:
    """(the decision, the resource ARN as named in a refusal) for one authorization."""
    owner = target.account or caller.account_id
    policy, exists, arn = resources.policy_of(target, context.region) if target.kind else (None, False, target.resource)
    found = POLICIES.get(key, lambda: policies_of(caller))
    STATS["decisions"] += 1
    request = iam_policy.Request(target.action, arn, {"AWS": caller.arn},
                                 context_keys(context, caller, owner, params, found.tags))
    identity = found.identity
    try:
        if target.kind == "key" and exists:
            # The key policy decides; IAM policies count only when it delegates to the account.
            delegated = iam_policy.Request(target.action, arn, {"AWS": f"arn:aws:iam::{owner}:root"}, request.context)
            if policy is None or not iam_policy.evaluate(policy.document, delegated).allowed:
                identity = ()
            if caller.type == "Root" and owner == caller.account_id:
                decision = iam_policy.evaluate(policy.document, request) if policy else iam_policy.Decision(
                    iam_policy.IMPLICIT_DENY, reason=iam_policy.NO_ALLOW)
                if not decision.allowed:
                    decision.policy, decision.policy_type = policy.name if policy else None, iam_policy.RESOURCE_BASED
                return decision, arn
        decision = iam_policy.authorize(request, identity=identity, resource=policy, resource_account=owner,
                                        boundary=found.boundary, session=found.session)
    except iam_policy.PolicyError as exc:
        LOG.warning("awslab: cannot evaluate a policy for %s on %s: %s", target.action, arn, exc)
        decision = iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, None, f"invalid-policy: {exc}")
    return decision, arn


def _journal(caller, owner: str, context: RequestContext, action: str, resource: str,
             decision: iam_policy.Decision) -> None:
    fields = dict(service=context.service.service_name, operation=context.operation.name, action=action,
                  resource=resource, principal=caller.arn, request_id=context.request_id,
                  message=errors.message(caller.arn, action, resource, decision), **decision.as_dict())
    for account in {caller.account_id, owner}:
        journal.record(account, context.region, "authorization", **fields)
