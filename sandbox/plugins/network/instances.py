"""The instance metadata service's credentials: an instance profile's role, as EC2 hands it out.

On AWS, EC2 assumes the role of the instance profile (the role's trust policy must let
ec2.amazonaws.com call sts:AssumeRole) and serves temporary credentials at
/latest/meta-data/iam/security-credentials/<role-name>; the session is named after the instance
(arn:aws:sts::<account>:assumed-role/<role>/<instance-id>) and the same credentials are served until
shortly before they expire (Amazon EC2 User Guide, "Retrieve security credentials from instance
metadata"; IAM User Guide, "Use an IAM role to grant permissions to applications running on Amazon
EC2 instances"). When the trust policy does not admit EC2, the document carries
Code "AssumeRoleUnauthorizedAccess" instead of credentials.

Sessions are created in moto's STS backend, so the identity plugin resolves their keys to the role
session like any other; this module also remembers which instance each key belongs to, so the S3
enforcement can take the request's network path from that instance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from sandbox import iam_policy

PARTITION = "aws"
SESSION_SECONDS = 6 * 3600
# Served credentials are replaced when fewer than this many seconds are left (AWS rotates early).
RENEW_BEFORE_S = 15 * 60


@dataclass
class InstanceSession:
    account_id: str
    region: str
    instance_id: str
    role_arn: str
    role_name: str
    profile_arn: str
    profile_id: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    issued: datetime

    def document(self) -> dict:
        """The JSON of /latest/meta-data/iam/security-credentials/<role>."""
        return {"Code": "Success", "LastUpdated": _stamp(self.issued), "Type": "AWS-HMAC",
                "AccessKeyId": self.access_key_id, "SecretAccessKey": self.secret_access_key,
                "Token": self.session_token, "Expiration": _stamp(self.expiration)}


class NoInstance(LookupError):
    pass


class NoRole(LookupError):
    """The instance has no instance profile, or the profile has no role (IMDS answers 404)."""


@dataclass
class Refused:
    """EC2 could not assume the role: what IMDS serves instead of credentials."""

    role_name: str
    code: str
    message: str

    def document(self) -> dict:
        return {"Code": self.code, "Message": self.message, "LastUpdated": _stamp(_now())}


_lock = threading.Lock()
_by_key: dict[str, InstanceSession] = {}
_by_instance: dict[tuple[str, str, str], InstanceSession] = {}
# Capability tokens for the unsigned IMDS requests of SDKs (`awslab exec`): token -> instance.
_imds_tokens: dict[str, tuple[str, str, str]] = {}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def instance(account_id: str, region: str, instance_id: str):
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models import ec2_backends

    try:
        return ec2_backends[account_id][region].get_instance(instance_id)
    except InvalidInstanceIdError:
        raise NoInstance(instance_id) from None


def profile_of(account_id: str, region: str, instance_id: str):
    """(instance profile, its role) of the instance; NoRole when either is missing."""
    from moto.iam.models import iam_backends

    found = instance(account_id, region, instance_id)
    association = getattr(found, "iam_instance_profile", None) or {}
    arn = association.get("Arn") if isinstance(association, dict) else None
    if not arn:
        raise NoRole(instance_id)
    iam = iam_backends[account_id][PARTITION]
    try:
        profile = iam.get_instance_profile_by_arn(arn)
    except Exception:  # moto raises its own NotFound types; a deleted profile serves no role
        raise NoRole(instance_id) from None
    if not profile.roles:
        raise NoRole(instance_id)
    return profile, profile.roles[0]


def credentials(account_id: str, region: str, instance_id: str) -> InstanceSession | Refused:
    """The credentials IMDS serves for the instance's role (the same ones until they near expiry)."""
    from moto.sts.models import sts_backends

    profile, role = profile_of(account_id, region, instance_id)
    trust = unquote(role.assume_role_policy_document or "")
    request = iam_policy.Request("sts:AssumeRole", role.arn, {"Service": "ec2.amazonaws.com"})
    try:
        trusted = iam_policy.evaluate(trust, request).allowed
    except iam_policy.PolicyError:
        trusted = False
    if not trusted:
        return Refused(role.name, "AssumeRoleUnauthorizedAccess",
                       f"EC2 cannot assume the role {role.name}.  Please see documentation at "
                       "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html"
                       "#roles-usingrole-ec2instance-roles.")
    now = _now()
    key = (account_id, region, instance_id)
    with _lock:
        current = _by_instance.get(key)
        if current and current.role_arn == role.arn and (current.expiration - now).total_seconds() > RENEW_BEFORE_S:
            return current
        session = sts_backends[account_id][PARTITION].assume_role(
            region, instance_id, role.arn, None, SESSION_SECONDS, None)
        issued = InstanceSession(
            account_id=account_id, region=region, instance_id=instance_id, role_arn=role.arn,
            role_name=role.name, profile_arn=profile.arn, profile_id=profile.id,
            access_key_id=session.access_key_id, secret_access_key=session.secret_access_key,
            session_token=session.session_token, expiration=now + timedelta(seconds=SESSION_SECONDS),
            issued=now)
        _by_instance[key] = issued
        _by_key[issued.access_key_id] = issued
        return issued


def session_for_key(access_key_id: str | None) -> InstanceSession | None:
    """The instance a temporary access key was served to, if any (a dictionary look-up: it runs on
    every enforced request)."""
    return _by_key.get(access_key_id) if access_key_id else None


def open_imds(account_id: str, region: str, instance_id: str) -> str:
    """A token naming one instance's metadata service. SDKs call IMDS unsigned; in classroom mode
    routes that name an account need the account's signature, so `awslab exec` asks for this token
    with a signed request and gives the SDK a URL holding the token instead of the account."""
    import secrets

    instance(account_id, region, instance_id)  # NoInstance for an unknown one
    token = "t" + secrets.token_hex(16)
    with _lock:
        _imds_tokens[token] = (account_id, region, instance_id)
    return token


def imds_target(token: str) -> tuple[str, str, str] | None:
    return _imds_tokens.get(token)


def forget_account(account_id: str) -> None:
    with _lock:
        for token in [t for t, target in _imds_tokens.items() if target[0] == account_id]:
            del _imds_tokens[token]
        for key in [k for k, s in _by_key.items() if s.account_id == account_id]:
            del _by_key[key]
        for key in [k for k in _by_instance if k[0] == account_id]:
            del _by_instance[key]
