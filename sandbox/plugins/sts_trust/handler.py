"""The request-chain handlers behind the sts_trust plugin: STS AssumeRole as AWS authorizes it.

Checks, in this order, and AWS's answers:

| check | AWS answer (code, HTTP status, message) |
|---|---|
| the caller is not an account's root user | AccessDenied 403 "Roles may not be assumed by root accounts." |
| 900 <= DurationSeconds <= 43200 (the API's constraint) | ValidationError 400 "1 validation error detected: Value 'N' at 'durationSeconds' failed to satisfy constraint: ..." |
| the role exists, its trust policy allows the caller (sts:ExternalId, aws:PrincipalArn, ... conditions), and, where the trust policy names only the account or the role is in another account, the caller's identity-based policies allow sts:AssumeRole on it (permissions boundary, session policies and explicit denies included) | AccessDenied 403 "User: <caller ARN> is not authorized to perform: sts:AssumeRole on resource: <role ARN>" |
| a role session (role chaining) asks for at most one hour | ValidationError 400 "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." |
| DurationSeconds <= the role's MaxSessionDuration | ValidationError 400 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." |
| the session Policy parses | MalformedPolicyDocument 400 (the parser's reason) |

Sources: STS API Reference "AssumeRole" (Permissions: the trust policy must allow, and cross-account
the caller's identity policy too; DurationSeconds, role chaining); IAM User Guide "Policy evaluation
logic" > "Policy evaluation for requests within a single account" (a role trust policy that names
an IAM user or role session grants on its own; one that names the account root delegates to the
account's identity-based policies) and "How IAM roles differ from resource-based policies" (a trust
policy is needed in every case: an identity policy alone cannot assume a role); "Roles terms and
concepts" > Role chaining (one hour); "Session policies". The root-user refusal and the wording of
the chaining and MaxSessionDuration errors are what AWS answers (quoted in kubeflow/testing #961,
aws knowledge-center iam-role-chaining-limit, and the saml_federation plugin's sources).

The check runs before LocalStack's STS provider, which then creates the session as usual (moto
backend, session tags); on success a response handler records the session's PolicyArns and whether
it was chained (identity/sessions.py), so later calls with its keys are limited by them.
LocalStack's own internal AssumeRole calls (Lambda fetching its role's credentials) are not touched.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox import iam_policy

from ..identity import callers
from ..identity.policies import _document as policy_text
from ..identity.policies import policies_of
from ..identity.sessions import SessionGrant, remember
from ..journal import store as journal

LOG = logging.getLogger(__name__)

DEFAULT_DURATION = 3600  # STS API Reference: DurationSeconds defaults to one hour
CHAINED_MAX = 3600  # role chaining: at most one hour, whatever MaxSessionDuration says
ROLE_ARN_RE = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role/(?:.+/)?[\w+=,.@-]+$")
TRUST_POLICY = "trust policy"
_GRANT = "_awslab_sts_grant"  # attribute of the RequestContext: what to record once the session exists


class Refusal(Exception):
    def __init__(self, code: str, message: str, status: int = 400, decision: iam_policy.Decision | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.decision = code, message, status, decision


def check_assume_role(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.operation is None:
        return
    if context.service.service_name != "sts" or context.operation.name != "AssumeRole":
        return
    if context.is_internal_call:
        return  # LocalStack acting for a service (Lambda's execution role); not a learner's request
    key = callers.access_key_of(context.request)
    if not key:
        return  # unsigned: answered by the signature layer (sigv4 plugin), not a trust question
    caller = callers.caller_for_key(key)
    request = context.service_request or {}
    role_arn = request.get("RoleArn") or ""
    try:
        grant = authorize_assume_role(caller, request, context)
    except Refusal as refusal:
        _journal(caller, context, role_arn, "refused", refusal)
        raise CommonServiceException(refusal.code, refusal.message, refusal.status, True) from None
    setattr(context, _GRANT, (caller, grant))


def record_session(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    found = getattr(context, _GRANT, None)
    if found is None or not isinstance(context.service_response, dict):
        return
    caller, grant = found
    credentials = context.service_response.get("Credentials") or {}
    key = credentials.get("AccessKeyId")
    role_arn = (context.service_request or {}).get("RoleArn") or ""
    match = ROLE_ARN_RE.match(role_arn)
    if key and match:
        remember(match.group(2), key, grant)
        _journal(caller, context, role_arn, "allowed", None, key,
                 (context.service_response.get("AssumedRoleUser") or {}).get("Arn"))


def authorize_assume_role(caller: callers.Caller, request: dict, context: RequestContext) -> SessionGrant:
    role_arn = request.get("RoleArn") or ""
    if caller.type == "Root":
        raise Refusal("AccessDenied", "Roles may not be assumed by root accounts.", 403)
    duration = request.get("DurationSeconds")
    duration = DEFAULT_DURATION if duration is None else int(duration)
    for bound, word in ((900, "greater"), (43200, "less")):
        if (duration < bound) if word == "greater" else (duration > bound):
            raise Refusal("ValidationError", f"1 validation error detected: Value '{duration}' at "
                          f"'durationSeconds' failed to satisfy constraint: Member must have value "
                          f"{word} than or equal to {bound}")

    denied = Refusal("AccessDenied", f"User: {caller.arn} is not authorized to perform: sts:AssumeRole "
                     f"on resource: {role_arn}", 403)
    match = ROLE_ARN_RE.match(role_arn)
    role = _role(match.group(2), match.group(1), role_arn) if match else None
    if role is None:
        raise denied  # AWS does not tell a missing role from a refused one
    trust_request = iam_policy.Request("sts:AssumeRole", role_arn, {"AWS": caller.arn},
                                       _context_keys(caller, request, context))
    found = policies_of(caller)
    if found.tags:
        trust_request.context.update({f"aws:PrincipalTag/{k}": v for k, v in found.tags.items()})
    trust = iam_policy.Policy(policy_text(role.assume_role_policy_document), TRUST_POLICY)
    try:
        # The trust policy must allow on its own (an identity policy cannot stand in for it) ...
        trusted = iam_policy.evaluate(trust.document, trust_request)
        # ... and together with the caller's policies as for any resource-based policy: one naming
        # only the account delegates to identity policies; another account's role needs both.
        decision = iam_policy.authorize(trust_request, identity=found.identity, resource=trust,
                                        resource_account=match.group(2), boundary=found.boundary,
                                        session=found.session)
    except iam_policy.PolicyError as exc:
        LOG.warning("awslab: cannot evaluate the trust policy of %s: %s", role_arn, exc)
        raise denied from None
    if not trusted.allowed:
        trusted.policy, trusted.policy_type = TRUST_POLICY, iam_policy.RESOURCE_BASED
        denied.decision = trusted
        raise denied
    if not decision.allowed:
        denied.decision = decision
        raise denied

    chained = caller.type == "AssumedRole"
    if chained and duration > CHAINED_MAX:
        raise Refusal("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                      "for roles assumed by role chaining.")
    if duration > int(role.max_session_duration or DEFAULT_DURATION):
        raise Refusal("ValidationError",
                      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    if request.get("Policy"):
        try:
            iam_policy.parse(request["Policy"])
        except iam_policy.PolicyError as exc:
            raise Refusal("MalformedPolicyDocument", str(exc)) from None
    arns = tuple(p.get("arn") for p in request.get("PolicyArns") or () if p.get("arn"))
    return SessionGrant(policy_arns=arns, chained=chained)


def _role(account: str, partition: str, role_arn: str):
    from moto.iam.models import iam_backends

    return next((r for r in iam_backends[account][partition].roles.values() if r.arn == role_arn), None)


def _context_keys(caller: callers.Caller, request: dict, context: RequestContext) -> dict:
    now = time.time()
    keys: dict[str, object] = {
        "aws:CurrentTime": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": int(now),
        "aws:SecureTransport": context.request.scheme == "https",
        "aws:RequestedRegion": context.region,
        "aws:SourceIp": context.request.remote_addr or "127.0.0.1",
        **iam_policy.principal_keys(caller.arn, caller.principal_id, caller.role_arn),
    }
    if caller.type == "AssumedRole":
        # Temporary credentials without MFA; long-term keys (IAM users) leave the key out entirely
        # (IAM User Guide, global condition keys: aws:MultiFactorAuthPresent).
        keys["aws:MultiFactorAuthPresent"] = False
    for param, key in (("ExternalId", "sts:ExternalId"), ("RoleSessionName", "sts:RoleSessionName"),
                       ("SourceIdentity", "sts:SourceIdentity")):
        if request.get(param) is not None:
            keys[key] = request[param]
    tags = request.get("Tags") or []
    if tags:
        keys["aws:TagKeys"] = [t["Key"] for t in tags]
        keys.update({f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags})
    return keys


def _journal(caller, context, role_arn, outcome, refusal: Refusal | None, key=None, session=None) -> None:
    match = ROLE_ARN_RE.match(role_arn)
    account = match.group(2) if match else caller.account_id
    fields = {"role": role_arn, "caller": caller.arn, "outcome": outcome}
    if refusal is not None:
        fields.update(error_code=refusal.code, error_message=refusal.message)
        if refusal.decision is not None:
            fields["decision"] = refusal.decision.as_dict()
    else:
        fields.update(session=session, access_key_id=key)
    journal.record(account, context.region, "sts-assume-role", **fields)
    if caller.account_id != account:  # the caller's account sees its own attempt too
        journal.record(caller.account_id, context.region, "sts-assume-role", **fields)


LAMBDA_CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."


def check_function_role(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    """CreateFunction / UpdateFunctionConfiguration: Lambda must be able to assume the execution role,
    i.e. the role exists and its trust policy allows lambda.amazonaws.com sts:AssumeRole, else
    InvalidParameterValueException "The role defined for the function cannot be assumed by Lambda."
    (Lambda API Reference, CreateFunction errors; Lambda Developer Guide, "Defining Lambda function
    permissions with an execution role"). LocalStack accepts any role ARN."""
    if context.service is None or context.operation is None or context.is_internal_call:
        return
    if context.service.service_name != "lambda" or context.operation.name not in (
            "CreateFunction", "UpdateFunctionConfiguration"):
        return
    role_arn = (context.service_request or {}).get("Role")
    if not role_arn:
        return  # UpdateFunctionConfiguration without a new role; CreateFunction's API requires one
    match = ROLE_ARN_RE.match(role_arn)
    role = _role(match.group(2), match.group(1), role_arn) if match else None
    allowed = False
    if role is not None:
        request = iam_policy.Request("sts:AssumeRole", role_arn, {"Service": "lambda.amazonaws.com"})
        try:
            allowed = iam_policy.evaluate(policy_text(role.assume_role_policy_document), request).allowed
        except iam_policy.PolicyError:
            allowed = False
    if not allowed:
        raise CommonServiceException("InvalidParameterValueException", LAMBDA_CANNOT_ASSUME, 400, True)

