"""userIdentity of a recorded call (CloudTrail User Guide, "CloudTrail userIdentity element"),
resolved by the identity plugin: root user, IAM user (with userName) or assumed role (with
sessionContext). A request without any credentials is the anonymous caller AWS records for
public access: {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}."""

from __future__ import annotations

from ..identity.callers import caller_for_key
from .record import Call


def user_identity(call: Call) -> dict:
    if not call.access_key_id:
        return {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    return caller_for_key(call.access_key_id).user_identity()
