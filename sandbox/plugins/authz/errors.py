"""A refusal in each service's own words.

Message format: IAM User Guide, "Troubleshoot access denied error messages"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
"User: <principal arn> is not authorized to perform: <action> on resource: <resource arn> because no
<policy type> allows the <action> action" (implicit deny) or "... with an explicit deny in a <policy
type>". Error code and HTTP status per service, from each API reference's "Common Errors" / error list:
SQS AccessDenied 403, SNS AuthorizationError 403 ("AuthorizationError: Indicates that the user has
been denied access to the requested resource"), Lambda AccessDeniedException 403, KMS / Secrets
Manager / EventBridge AccessDeniedException 400, IAM and STS AccessDenied 403, EC2
UnauthorizedOperation 403 ("You are not authorized to perform this operation." followed by the
context, EC2 API Reference "Error codes"), any other service AccessDeniedException (JSON protocols,
400) or AccessDenied (query and REST-XML protocols, 403).
"""

from __future__ import annotations

from localstack.aws.api import CommonServiceException

from sandbox import iam_policy

_CODES = {
    "sqs": ("AccessDenied", 403), "sns": ("AuthorizationError", 403),
    "lambda": ("AccessDeniedException", 403), "kms": ("AccessDeniedException", 400),
    "secretsmanager": ("AccessDeniedException", 400), "events": ("AccessDeniedException", 400),
    "iam": ("AccessDenied", 403), "sts": ("AccessDenied", 403), "ec2": ("UnauthorizedOperation", 403),
}


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiouAEIOU" else "a"


def message(principal: str, action: str, resource: str, decision: iam_policy.Decision) -> str:
    kind = decision.policy_type or iam_policy.IDENTITY_BASED
    if decision.effect == iam_policy.DENY:
        tail = f"with an explicit deny in {_article(kind)} {kind}"
    else:
        tail = f"because no {kind} allows the {action} action"
    return f"User: {principal} is not authorized to perform: {action} on resource: {resource} {tail}"


def refusal(service: str, protocol: str, principal: str, action: str, resource: str,
            decision: iam_policy.Decision) -> CommonServiceException:
    code, status = _CODES.get(service) or (
        ("AccessDeniedException", 400) if protocol in ("json", "rest-json") else ("AccessDenied", 403))
    text = message(principal, action, resource, decision)
    if service == "ec2":
        text = f"You are not authorized to perform this operation. {text}"
    return CommonServiceException(code, text, status_code=status, sender_fault=True)
