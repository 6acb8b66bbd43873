"""The policies that speak for a caller (identity.callers.Caller), from moto's IAM and STS state.

For an IAM user: its inline and attached managed policies and those of its groups, and its
permissions boundary; for a role session: the role's inline and attached policies, its boundary
and the session policy passed to AssumeRole; the root user has none (it is not governed by
identity-based policies). Documents are the default version of managed policies, AWS managed ones
included. Principal tags (aws:PrincipalTag/<key>) come from the user or role.
(IAM User Guide, "Policies and permissions in IAM"; "Permissions boundaries for IAM entities";
"Session policies".)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from sandbox.iam_policy import Policy

from .callers import PARTITION, Caller


@dataclass
class CallerPolicies:
    identity: list[Policy] = field(default_factory=list)
    boundary: Policy | None = None
    session: list[Policy] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


def _document(text) -> str:
    text = text if isinstance(text, str) else str(text or "")
    return unquote(text) if text.lstrip().startswith("%7B") else text


def _managed_document(policy) -> str:
    version = next((v for v in policy.versions if v.version_id == policy.default_version_id), None)
    return _document(version.document if version else "")


def _entity_policies(entity, found: list[Policy]) -> None:
    for name, document in (getattr(entity, "policies", None) or {}).items():
        found.append(Policy(_document(document), f"{name} (inline)"))
    for policy in (getattr(entity, "managed_policies", None) or {}).values():
        found.append(Policy(_managed_document(policy), policy.name))


def _boundary(iam, arn: str | None) -> Policy | None:
    if not arn:
        return None
    try:
        policy = iam.get_policy(arn)
    except Exception:  # moto's NotFound: a boundary that no longer exists allows nothing
        return Policy({"Version": "2012-10-17", "Statement": []}, arn.rsplit("/", 1)[-1])
    return Policy(_managed_document(policy), policy.name)


def _tags(entity) -> dict[str, str]:
    raw = getattr(entity, "tags", None) or {}
    if isinstance(raw, dict):
        return {v.get("Key", k) if isinstance(v, dict) else k: v.get("Value") if isinstance(v, dict) else v
                for k, v in raw.items()}
    return {t["Key"]: t["Value"] for t in raw if isinstance(t, dict) and "Key" in t}


def policies_of(caller: Caller) -> CallerPolicies:
    from moto.iam.models import iam_backends

    found = CallerPolicies()
    if caller.type not in ("IAMUser", "AssumedRole"):
        return found
    iam = iam_backends[caller.account_id][PARTITION]
    if caller.type == "IAMUser":
        try:
            user = iam.get_user(caller.user_name)
        except Exception:  # deleted since the key was issued: nothing speaks for it
            return found
        _entity_policies(user, found.identity)
        for group in iam.get_groups_for_user(user.name):
            _entity_policies(group, found.identity)
        found.boundary = _boundary(iam, getattr(user, "permissions_boundary_arn", None))
        found.tags = _tags(user)
        return found
    try:
        role = iam.get_role_by_arn(caller.role_arn)
    except Exception:
        return found
    _entity_policies(role, found.identity)
    found.boundary = _boundary(iam, getattr(role, "permissions_boundary_arn", None))
    found.tags = _tags(role)
    session_policy = _session_policy(caller)
    if session_policy:
        found.session.append(Policy(session_policy, "session policy"))
    found.session.extend(_managed_session_policies(iam, caller))
    return found


def _managed_session_policies(iam, caller: Caller) -> list[Policy]:
    """The PolicyArns passed to AssumeRole (sessions.py); one that no longer exists allows nothing."""
    from .sessions import grant_of

    grant = grant_of(caller.account_id, caller.access_key_id)
    found = []
    for arn in grant.policy_arns if grant else ():
        found.append(_boundary(iam, arn))  # the same look-up: the default version, or an empty policy
    return found


def _session_policy(caller: Caller) -> str | None:
    from moto.sts.models import sts_backends

    session = sts_backends[caller.account_id][PARTITION].get_assumed_role_from_access_key(caller.access_key_id)
    policy = getattr(session, "policy", None)
    return _document(policy) if policy else None
