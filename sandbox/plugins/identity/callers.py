"""Who is calling: the principal behind a request's access key, as AWS would see it.

Used by the plugins that need the caller (CloudTrail's userIdentity, S3 policy enforcement's
aws:PrincipalArn, SAML sessions, classroom signature checks). Keys are resolved like this:
- a 12-digit access key id (awslab's learner convention) or any key LocalStack does not know:
  the account's root user;
- an IAM user's key (moto's IAM backend, CreateAccessKey): that user;
- a temporary key from STS AssumeRole / AssumeRoleWithSAML / AssumeRoleWithWebIdentity: that role
  session.

Record shapes follow the AWS CloudTrail User Guide, "CloudTrail userIdentity element"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qs

from localstack.aws.accounts import get_account_id_from_access_key_id
from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

PARTITION = "aws"
_PRESIGNED_V4 = re.compile(r"^([^/]+)/")


@dataclass(frozen=True)
class Caller:
    account_id: str
    type: str  # "Root" | "IAMUser" | "AssumedRole"
    arn: str
    principal_id: str
    access_key_id: str | None
    user_name: str | None = None  # IAMUser
    role_arn: str | None = None  # AssumedRole: the role behind the session
    role_id: str | None = None
    session_name: str | None = None
    session_created: datetime | None = None
    secret_access_key: str | None = None  # known for keys the emulator issued (IAM, STS)
    session_token: str | None = None
    expiration: datetime | None = None  # STS sessions (aware, UTC); the sigv4 plugin refuses expired ones
    active: bool = True  # IAM key status; an Inactive key signs nothing (sigv4 plugin)

    @property
    def role_name(self) -> str | None:
        return self.role_arn.rsplit("/", 1)[-1] if self.role_arn else None

    def user_identity(self) -> dict:
        """The CloudTrail `userIdentity` element for calls made with this key."""
        identity = {"type": self.type, "principalId": self.principal_id, "arn": self.arn,
                    "accountId": self.account_id}
        if self.access_key_id:
            identity["accessKeyId"] = self.access_key_id
        if self.type == "IAMUser":
            identity["userName"] = self.user_name
        if self.type == "AssumedRole":
            created = self.session_created or datetime.now(timezone.utc)
            identity["sessionContext"] = {
                "sessionIssuer": {"type": "Role", "principalId": self.role_id, "arn": self.role_arn,
                                  "accountId": self.account_id, "userName": self.role_name},
                "webIdFederationData": {},
                "attributes": {"creationDate": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "mfaAuthenticated": "false"},
            }
        return identity

    def as_dict(self) -> dict:
        return {"type": self.type, "arn": self.arn, "principalId": self.principal_id,
                "accountId": self.account_id, "accessKeyId": self.access_key_id,
                "userName": self.user_name, "roleArn": self.role_arn, "sessionName": self.session_name,
                "userIdentity": self.user_identity()}


def access_key_of(request) -> str | None:
    """The access key id of a signed request: Authorization header (SigV4/SigV2) or a presigned URL."""
    key = extract_access_key_id_from_auth_header(request.headers)
    if key:
        return key
    query = parse_qs(request.query_string.decode("latin-1") if isinstance(request.query_string, bytes)
                     else request.query_string or "")
    credential = (query.get("X-Amz-Credential") or [""])[0]
    match = _PRESIGNED_V4.match(credential)
    if match:
        return match.group(1)
    return (query.get("AWSAccessKeyId") or [None])[0]


def root(account_id: str, access_key_id: str | None = None) -> Caller:
    return Caller(account_id=account_id, type="Root", arn=f"arn:{PARTITION}:iam::{account_id}:root",
                  principal_id=account_id, access_key_id=access_key_id)


def caller_for_key(access_key_id: str) -> Caller:
    """The principal that owns `access_key_id` (root of its account when the key is not an IAM user's
    or an STS session's)."""
    account_id = get_account_id_from_access_key_id(access_key_id)
    return _assumed_role(access_key_id, account_id) or _iam_user(access_key_id, account_id) or root(
        account_id, access_key_id)


def caller_of(context) -> Caller | None:
    """The caller of a request on LocalStack's handler chain; None for LocalStack's own internal calls
    (service-to-service deliveries) and unsigned requests."""
    if getattr(context, "is_internal_call", False):
        return None
    key = access_key_of(context.request)
    return caller_for_key(key) if key else None


def _assumed_role(access_key_id: str, account_id: str) -> Caller | None:
    if not access_key_id.startswith(("ASIA", "LSIA")):
        return None
    from moto.sts.models import sts_backends

    session = sts_backends[account_id][PARTITION].get_assumed_role_from_access_key(access_key_id)
    if session is None:
        return None
    role_id = session.user_id.split(":", 1)[0]
    return Caller(
        account_id=session.account_id, type="AssumedRole", arn=session.arn,
        principal_id=session.user_id, access_key_id=access_key_id, role_arn=session.role_arn,
        role_id=role_id, session_name=session.session_name,
        session_created=_created(session),
        secret_access_key=session.secret_access_key, session_token=session.session_token,
        expiration=_utc(session.expiration),
        active=getattr(getattr(session, "access_key", None), "status", "Active") == "Active",
    )


def _created(session) -> datetime | None:
    """When a moto role session began (its temporary key's creation time; moto stores naive UTC)."""
    return _utc(getattr(getattr(session, "access_key", None), "create_date", None))


def _utc(moment) -> datetime | None:
    """moto's naive-UTC datetimes as aware ones."""
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _iam_user(access_key_id: str, account_id: str) -> Caller | None:
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id][PARTITION]
    user = backend.get_user_from_access_key_id(access_key_id)
    if user is None:
        return None
    key = next(k for k in backend.list_access_keys(user.name) if k.access_key_id == access_key_id)
    return Caller(account_id=account_id, type="IAMUser", arn=user.arn, principal_id=user.id,
                  access_key_id=access_key_id, user_name=user.name,
                  secret_access_key=key.secret_access_key, active=key.status == "Active")
