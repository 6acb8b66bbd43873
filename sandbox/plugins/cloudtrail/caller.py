"""userIdentity of a recorded call (CloudTrail User Guide, "CloudTrail userIdentity element").

The identity plugin (sandbox/plugins/identity.py, branch `identity`) resolves access keys to the
root user, IAM users and assumed roles; until it is merged every caller is the account's root user,
which is what a 12-digit access key id stands for in awslab.
"""

from __future__ import annotations

from .record import Call


def user_identity(call: Call) -> dict:
    account = call.account_id
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
        "accessKeyId": call.access_key_id,
    }
