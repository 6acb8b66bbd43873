"""Per-account switch of authorization (IAM decides every call).

On by default for every account: AWSLAB_ENFORCE_POLICIES=0 in the emulator's environment switches the
default off (the older AWSLAB_ENFORCE_S3_POLICIES is read the same way when the new one is unset).
One account can be switched through PUT /_awslab/accounts/<id>/enforcement (`awslab policy
enforcement on|off|default`): `off` is the escape hatch for teaching what happens without IAM. The
setting of the account that owns the resource decides. An account reset drops the account's setting.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_accounts: dict[str, bool] = {}


def default() -> bool:
    value = os.environ.get("AWSLAB_ENFORCE_POLICIES", os.environ.get("AWSLAB_ENFORCE_S3_POLICIES", "1"))
    return value != "0"


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
