"""Per-account switch of S3 policy enforcement.

Off unless switched on: for every account with AWSLAB_ENFORCE_S3_POLICIES=1 in the emulator's
environment, for one account through PUT /_awslab/accounts/<id>/s3-enforcement (scenarios that need
it, such as vpc-endpoint-s3, switch it on in their setup; `awslab policy enforcement --s3 on|off`).
An account reset drops the account's own setting.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_accounts: dict[str, bool] = {}


def default() -> bool:
    return os.environ.get("AWSLAB_ENFORCE_S3_POLICIES", "0") == "1"


def enabled(account_id: str) -> bool:
    value = _accounts.get(account_id)
    return default() if value is None else value


def any_enabled() -> bool:
    """Is enforcement on for any account? False lets the request handlers skip everything else."""
    return default() or any(_accounts.values())


def explicit(account_id: str) -> bool:
    return account_id in _accounts


def set_enabled(account_id: str, value: bool | None) -> None:
    """True/False for this account; None returns it to the default."""
    with _lock:
        if value is None:
            _accounts.pop(account_id, None)
        else:
            _accounts[account_id] = value


def forget_account(account_id: str) -> None:
    set_enabled(account_id, None)
