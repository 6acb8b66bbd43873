"""Who owns an access key, and with which secret: the class registry and LocalStack's IAM/STS.

- A 12-digit access key id is a learner's account (LocalStack maps it so); its secret is the one
  registered in $AWSLAB_HOME/classroom.db (sandbox/classroom/registry.py). The file is re-read when
  it changes, so learners added by `awslab class create` are known at once.
- LKIA.../LSIA... keys are created by LocalStack's IAM (CreateAccessKey) and STS (AssumeRole, the
  credentials Lambda functions get): the account is encoded in the key, and the identity plugin's
  `caller_for_key` finds the secret, status, session token and expiry in moto's IAM and STS.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

_ACCOUNT_KEY = re.compile(r"^\d{12}$")
_MOTO_PREFIXES = ("LKIA", "LSIA", "AKIA", "ASIA")


@dataclass(frozen=True)
class Identity:
    account_id: str
    secret: str
    token: str | None = None  # temporary credentials only
    expiration: datetime.datetime | None = None  # aware, UTC


class Keyring:
    def __init__(self, registry_file: Path):
        self.registry_file = registry_file
        self._stamp: tuple | None = None
        self._secrets: dict[str, str] = {}
        self._instructor_token: str | None = None
        # Keys whose secret only this process knows (LocalStack's own presigned code URLs).
        self.private: dict[str, str] = {}
        self._lock = threading.Lock()

    def lookup(self, access_key: str) -> Identity | None:
        if access_key in self.private:
            return Identity(access_key, self.private[access_key])
        if _ACCOUNT_KEY.match(access_key):
            secret = self._registered().get(access_key)
            return Identity(access_key, secret) if secret else None
        if access_key.startswith(_MOTO_PREFIXES) and len(access_key) >= 20:
            return _moto_identity(access_key)
        return None

    def instructor_token(self) -> str | None:
        """The class's instructor token (registry meta `admin_token`), None without a class."""
        self._registered()
        return self._instructor_token

    def _registered(self) -> dict[str, str]:
        try:
            st = os.stat(self.registry_file)
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if stamp != self._stamp:
                from sandbox.classroom.registry import Registry

                registry = Registry(self.registry_file)
                self._secrets = registry.secrets()
                self._instructor_token = registry.meta().get("admin_token")
                self._stamp = stamp
            return self._secrets


def _moto_identity(access_key: str) -> Identity | None:
    from sandbox.plugins.identity.callers import caller_for_key

    caller = caller_for_key(access_key)
    if caller.secret_access_key is None or not caller.active:
        return None  # not a key LocalStack issued (or switched off): unknown, as on AWS
    return Identity(caller.account_id, caller.secret_access_key, caller.session_token, caller.expiration)
