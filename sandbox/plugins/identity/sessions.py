"""What a role session was given beyond what moto keeps: the managed session policies (PolicyArns of
AssumeRole) and how the session came to be (role chaining).

moto's STS stores the inline session Policy of AssumeRole but drops PolicyArns; the sts_trust plugin
records them here when it creates a session, and identity.policies.policies_of reads them, so every
authorization layer that asks policies_of(caller) limits the session by them (IAM User Guide,
"Session policies": the session's permissions are the intersection of the role's identity-based
policies and the session policies).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_LOCK = threading.Lock()


@dataclass(frozen=True)
class SessionGrant:
    policy_arns: tuple[str, ...] = ()
    chained: bool = False  # assumed with another role session's credentials (role chaining)


_SESSIONS: dict[str, dict[str, SessionGrant]] = {}  # account -> access key id -> grant


def remember(account_id: str, access_key_id: str, grant: SessionGrant) -> None:
    with _LOCK:
        _SESSIONS.setdefault(account_id, {})[access_key_id] = grant


def grant_of(account_id: str, access_key_id: str | None) -> SessionGrant | None:
    if not access_key_id:
        return None
    return _SESSIONS.get(account_id, {}).get(access_key_id)


def forget_account(account_id: str) -> None:
    with _LOCK:
        _SESSIONS.pop(account_id, None)
