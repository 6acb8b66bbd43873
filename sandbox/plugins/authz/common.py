"""What the S3 part and the generic part of the authorization plugin share: who the caller is,
which policies speak for it (both cached per access key, recomputed after any IAM/STS write), and
the global condition keys every request carries (IAM User Guide, "AWS global condition context
keys": aws:CurrentTime, aws:EpochTime, aws:PrincipalArn/Account/Type, aws:userid, aws:username,
aws:TokenIssueTime, aws:MultiFactorAuthPresent, aws:PrincipalTag/*)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sandbox import iam_policy

from .. import changes

CALLERS = changes.Cache("iam", "sts")  # access key -> Caller
POLICIES = changes.Cache("iam", "sts")  # access key -> its CallerPolicies

_clock: list = [0, "", 0]  # (second, aws:CurrentTime, aws:EpochTime) of the last request


def now_keys() -> tuple[str, int]:
    """aws:CurrentTime and aws:EpochTime, formatted once per second (not per request)."""
    second = int(time.time())
    if _clock[0] != second:
        _clock[:] = [second, stamp(datetime.fromtimestamp(second, timezone.utc)), second]
    return _clock[1], _clock[2]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def principal_context(caller) -> dict:
    """The aws:Principal* / aws:userid / aws:username / session keys of an identity.callers.Caller."""
    keys = iam_policy.principal_keys(caller.arn, caller.principal_id, caller.role_arn)
    if caller.type == "AssumedRole":
        keys["aws:MultiFactorAuthPresent"] = False
        if caller.session_created:
            keys["aws:TokenIssueTime"] = stamp(caller.session_created)
    return keys
