"""S3's part of the authorization plugin (called by handler.py for every S3 request).

Each S3 request of an account with enforcement on is authorized the way Amazon S3 does it (Amazon S3
User Guide, "How Amazon S3 authorizes a request"; IAM User Guide, "Policy evaluation logic"), with
sandbox/iam_policy.py:
- who: the caller behind the access key (identity plugin): the root user, an IAM user or a role
  session; unsigned requests are anonymous;
- the policies: the bucket policy; the caller's identity-based policies, permissions boundary and
  session policy; the VPC endpoint's policy when the request comes through a gateway endpoint;
- the request context: aws:CurrentTime/EpochTime, aws:SecureTransport, aws:Principal*, aws:userid,
  aws:username, aws:TokenIssueTime, aws:ResourceAccount, s3:prefix/delimiter/max-keys and the other
  S3 keys, and where the request comes from: a key served by the instance metadata service belongs
  to that instance, whose network path gives aws:SourceVpce/aws:SourceVpc/aws:VpcSourceIp (gateway
  endpoint) or aws:SourceIp (internet or NAT gateway); any other request comes from the learner's
  machine (aws:SourceIp = its address).
A refusal is S3's 403 AccessDenied. For callers of the bucket owner's account the message has the
context S3 adds for same-account requests ("User: <arn> is not authorized to perform: <action> on
resource: "<arn>" with an explicit deny in a resource-based policy" / "because no identity-based policy
allows the <action> action"; S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors");
other callers get "Access Denied".
Exceptions, as on AWS: the bucket owner's root user may always get, put and delete the bucket policy
(S3 API reference, PutBucketPolicy), so a bad policy can be fixed. Not enforced: LocalStack's own
internal calls, and the grader's inspection calls (grader Env.client: User-Agent marked with
sandbox.accounts.GRADER_USER_AGENT, as for the CloudTrail recorder), so a learner's deny-all policy
cannot lock the grader out; flows that act as the learner use Env.probe_client.
Every decision is journaled (hop "s3-authorization") with the deciding policy, statement and
conditions, so flow checks can explain it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.api.s3 import AccessDenied
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox import iam_policy

from .. import changes, localstack_state
from ..identity import callers
from ..identity.policies import policies_of
from ..journal import store as journal
from ..network import instances
from ..network.paths import NONE, path_of
from . import settings
from .common import CALLERS, POLICIES, now_keys, principal_context, stamp
from .s3_actions import ROOT_ALWAYS, Check, checks_for

LOG = logging.getLogger(__name__)
# LocalStack's S3 serializer sends this x-amz-id-2; AWS's HostId in an error body equals that header.
HOST_ID = "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234="
_LIST_OPERATIONS = {"ListObjects", "ListObjectsV2", "ListObjectVersions"}


@dataclass
class Origin:
    """Where a request comes from, for the journal and the condition keys."""

    source: str  # "host" or an instance id
    keys: dict
    path: dict | None = None  # the instance's network path (paths.NetworkPath.as_dict())
    endpoint_policy: iam_policy.Policy | None = None


_ORIGINS = changes.Cache("ec2")  # (instance session, region) -> Origin


def enforce_s3_policies(context: RequestContext) -> None:
    """Authorize one S3 request (not internal, not the grader's: handler.py has checked)."""
    operation = context.operation.name
    params = context.service_request or {}
    checks = checks_for(operation, params)
    buckets = {c.bucket: localstack_state.find_bucket(c.bucket) for c in checks if c.bucket}
    target = checks[-1]
    bucket = buckets.get(target.bucket)
    if target.bucket and bucket is None and operation != "CreateBucket":
        return  # S3 itself answers NoSuchBucket
    key = callers.access_key_of(context.request)
    caller = CALLERS.get(key, lambda: callers.caller_for_key(key)) if key else None
    owner = bucket.bucket_account_id if bucket else (caller.account_id if caller else context.account_id)
    if operation == "CreateBucket" and caller:
        owner = caller.account_id
    if not settings.enabled(owner):
        return
    session = instances.session_for_key(key)
    if caller and caller.type == "Root" and caller.account_id == owner and not session and (
            operation == "CreateBucket" or all(b is None or not b.policy for b in buckets.values())):
        return  # the owner's root user, no bucket policy, no endpoint: nothing can refuse it

    origin = _ORIGINS.get((key, context.region), lambda: _origin(context, session)) if session else \
        Origin("host", {"aws:SourceIp": context.request.remote_addr or "127.0.0.1"})
    base = _context_keys(context, caller, owner, params, origin)
    who = {"AWS": caller.arn} if caller else None
    found_policies = POLICIES.get(key, lambda: policies_of(caller)) if caller else None
    for check in checks:
        decision = _decide(check, buckets.get(check.bucket), who, base, caller, found_policies, origin)
        if not decision.allowed:
            _journal(owner, context, check, caller, origin, decision)
            raise _access_denied(check, caller, owner, decision)
    _journal(owner, context, target, caller, origin, decision)


def _origin(context: RequestContext, session) -> Origin:
    path = path_of(session.account_id, session.region, session.instance_id, "s3", context.region)
    keys = {"ec2:SourceInstanceARN": f"arn:aws:ec2:{session.region}:{session.account_id}:instance/{session.instance_id}",
            "aws:EC2InstanceSourceVPC": path.vpc_id, "aws:EC2InstanceSourcePrivateIPv4": path.private_ip,
            **path.condition_keys()}
    endpoint_policy = None
    if path.vpce_id:
        from moto.ec2.models import ec2_backends

        endpoint = ec2_backends[session.account_id][session.region].vpc_end_points.get(path.vpce_id)
        if endpoint is not None and endpoint.policy_document:
            name = f"{iam_policy.VPC_ENDPOINT_POLICY} {path.vpce_id}"
            endpoint_policy = iam_policy.Policy(endpoint.policy_document, name)
    if path.via == NONE:
        # `awslab exec` points a client without a route at an address where it times out; a request
        # that still arrives (another region, copied credentials) is judged without network keys.
        LOG.info("awslab: request from %s without a network path to S3 (%s)", session.instance_id, path.problem)
    return Origin(session.instance_id, {k: v for k, v in keys.items() if v}, path.as_dict(), endpoint_policy)


def _context_keys(context: RequestContext, caller, owner: str, params: dict, origin: Origin) -> dict:
    current_time, epoch = now_keys()
    headers = context.request.headers
    keys: dict[str, object] = {
        "aws:CurrentTime": current_time, "aws:EpochTime": epoch,
        "aws:SecureTransport": context.request.scheme == "https",
        "aws:RequestedRegion": context.region, "aws:ResourceAccount": owner, "s3:ResourceAccount": owner,
        "aws:ViaAWSService": False, **origin.keys,
    }
    for header, key in (("User-Agent", "aws:UserAgent"), ("Referer", "aws:Referer"),
                        ("x-amz-content-sha256", "s3:x-amz-content-sha256")):
        if headers.get(header):
            keys[key] = headers[header]
    authorization = headers.get("Authorization", "")
    if authorization:
        keys["s3:authType"] = "REST-HEADER"
        keys["s3:signatureversion"] = "AWS4-HMAC-SHA256" if authorization.startswith("AWS4-") else "AWS"
    elif "X-Amz-Signature" in context.request.args or "Signature" in context.request.args:
        keys["s3:authType"] = "REST-QUERY-STRING"
        keys["s3:signatureversion"] = "AWS4-HMAC-SHA256" if "X-Amz-Signature" in context.request.args else "AWS"
    if caller is not None:
        keys.update(principal_context(caller))
    if context.operation.name in _LIST_OPERATIONS:
        if "Prefix" in params:
            keys["s3:prefix"] = params["Prefix"]
        if "Delimiter" in params:
            keys["s3:delimiter"] = params["Delimiter"]
        keys["s3:max-keys"] = params.get("MaxKeys", 1000)  # always present for ListBucket
    for param, key in (("ACL", "s3:x-amz-acl"), ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
                       ("SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
                       ("StorageClass", "s3:x-amz-storage-class"), ("VersionId", "s3:VersionId"),
                       ("MetadataDirective", "s3:x-amz-metadata-directive"), ("CopySource", "s3:x-amz-copy-source")):
        if params.get(param) is not None:
            keys[key] = params[param] if isinstance(params[param], str) else str(params[param])
    return keys


def _decide(check: Check, bucket, who, base: dict, caller, found, origin: Origin) -> iam_policy.Decision:
    request = iam_policy.Request(check.action, check.resource, who, base)
    owner = bucket.bucket_account_id if bucket else (caller.account_id if caller else None)
    policy_text = bucket.policy if bucket is not None else None
    if caller and caller.type == "Root" and caller.account_id == owner and check.action in ROOT_ALWAYS:
        policy_text = None  # the owner's root user can always fix the bucket policy
    if check.action == "s3:CreateBucket":
        # Creating a bucket is the caller's own business (identity policies); an existing bucket's
        # policy does not apply, S3 answers BucketAlreadyOwnedByYou / BucketAlreadyExists itself.
        policy_text, owner = None, caller.account_id if caller else owner
    tags = {f"aws:PrincipalTag/{k}": v for k, v in (found.tags if found else {}).items()}
    if tags:
        request.context = {**base, **tags}
    try:
        decision = iam_policy.authorize(
            request,
            identity=found.identity if found else (),
            resource=iam_policy.Policy(policy_text, iam_policy.BUCKET_POLICY) if policy_text else None,
            resource_account=owner,
            boundary=found.boundary if found else None,
            session=found.session if found else (),
        )
        if origin.endpoint_policy is not None:
            through = iam_policy.evaluate(origin.endpoint_policy.document, request)
            if not through.allowed and (decision.allowed or through.effect == iam_policy.DENY):
                through.policy, through.policy_type = origin.endpoint_policy.name, iam_policy.VPC_ENDPOINT_POLICY
                through.reason = through.reason or iam_policy.NO_ALLOW
                decision = through
    except iam_policy.PolicyError as exc:
        # A stored policy the evaluator cannot read (S3 validates on PutBucketPolicy): refuse, say why.
        LOG.warning("awslab: cannot evaluate a policy for %s on %s: %s", check.action, check.resource, exc)
        decision = iam_policy.Decision(iam_policy.IMPLICIT_DENY, None, None, f"invalid-policy: {exc}")
    return decision


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiouAEIOU" else "a"


def denied_message(check: Check, caller, owner: str | None, decision: iam_policy.Decision) -> str:
    """S3's AccessDenied message: with context for callers of the bucket owner's account."""
    if caller is None or caller.account_id != owner or not decision.policy_type:
        return "Access Denied"
    if decision.effect == iam_policy.DENY:
        tail = f"with an explicit deny in {_article(decision.policy_type)} {decision.policy_type}"
    else:
        tail = f"because no {decision.policy_type} allows the {check.action} action"
    return f'User: {caller.arn} is not authorized to perform: {check.action} on resource: "{check.resource}" {tail}'


def _access_denied(check: Check, caller, owner, decision) -> CommonServiceException:
    error = AccessDenied(denied_message(check, caller, owner, decision))
    error.HostId = HOST_ID
    return error


def _journal(owner: str, context: RequestContext, check: Check, caller, origin: Origin,
             decision: iam_policy.Decision) -> None:
    journal.record(
        owner, context.region, "s3-authorization",
        operation=context.operation.name, action=check.action, resource=check.resource,
        bucket=check.bucket, key=check.key, request_id=context.request_id,
        principal=caller.arn if caller else "anonymous",
        source=origin.source, network=origin.path,
        network_keys={k: v for k, v in origin.keys.items() if k.startswith("aws:Source") or k == "aws:VpcSourceIp"},
        **decision.as_dict(),
    )


# ---- PutBucketPolicy validation --------------------------------------------------------------

def validate_bucket_policy(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    """Refuse bucket policies AWS refuses and LocalStack stores: MalformedPolicy with S3's texts."""
    if context.service is None or context.service.service_name != "s3" or context.operation is None:
        return
    if context.operation.name != "PutBucketPolicy" or context.is_internal_call:
        return
    params = context.service_request or {}
    bucket = params.get("Bucket", "")
    try:
        statements = iam_policy.parse(params.get("Policy") or "")
    except iam_policy.PolicyError:
        return  # LocalStack answers invalid JSON itself ("Policies must be valid JSON ...")
    for stmt in statements:
        if "Principal" not in stmt and "NotPrincipal" not in stmt:
            raise _malformed("Missing required field Principal")
        for resource in _as_list(stmt.get("Resource", stmt.get("NotResource"))):
            text = str(resource)
            if text != "*" and not (text.startswith(f"arn:aws:s3:::{bucket}") or text.startswith("arn:aws:s3:::*")):
                raise _malformed("Policy has invalid resource")


def _as_list(value) -> list:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _malformed(message: str) -> CommonServiceException:
    return CommonServiceException("MalformedPolicy", message, status_code=400, sender_fault=True)
