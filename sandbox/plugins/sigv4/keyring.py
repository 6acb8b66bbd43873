"""Who owns an access key, and with which secret: the class registry and LocalStack's IAM/STS.

- A 12-digit access key id is a learner's account (LocalStack maps it so); its secret is the one
  registered in $AWSLAB_HOME/classroom.db (sandbox/classroom/registry.py). The file is re-read when
  it changes, so learners added by `awslab class create` are known at once.
- LKIA.../LSIA... keys are created by LocalStack's IAM (CreateAccessKey) and STS (AssumeRole, the
  credentials Lambda functions get): the account is encoded in the key (LocalStack's
  `get_account_id_from_access_key_id`), and the secret, status, session token and expiry are in
  moto's IAM and STS backends of that account.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

_ACCOUNT_KEY = re.compile(r"^\d{12}$")
_TEMPORARY_PREFIXES = ("LSIA", "ASIA")
_MOTO_PREFIXES = ("LKIA", "LSIA", "AKIA", "ASIA")


@dataclass(frozen=True)
class Identity:
    account_id: str
    secret: str
    token: str | None = None  # temporary credentials only
    expiration: datetime.datetime | None = None  # naive UTC, as moto keeps it


class Keyring:
    def __init__(self, registry_file: Path):
        self.registry_file = registry_file
        self._stamp: tuple | None = None
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()

    def lookup(self, access_key: str) -> Identity | None:
        if _ACCOUNT_KEY.match(access_key):
            secret = self._registered().get(access_key)
            return Identity(access_key, secret) if secret else None
        if access_key.startswith(_MOTO_PREFIXES) and len(access_key) >= 20:
            return _moto_identity(access_key)
        return None

    def _registered(self) -> dict[str, str]:
        try:
            st = os.stat(self.registry_file)
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if stamp != self._stamp:
                from sandbox.classroom.registry import Registry

                self._secrets = Registry(self.registry_file).secrets()
                self._stamp = stamp
            return self._secrets


def _moto_identity(access_key: str) -> Identity | None:
    from localstack.aws.accounts import get_account_id_from_access_key_id
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    account = get_account_id_from_access_key_id(access_key)
    # dict.get: never create backends for accounts that do not exist
    key = next((b.access_keys.get(access_key) for b in dict.get(iam_backends, account, {}).values()
                if access_key in b.access_keys), None)
    if key is None or key.status != "Active":
        return None
    if not access_key.startswith(_TEMPORARY_PREFIXES):
        return Identity(account, key.secret_access_key)
    role = next((r for b in dict.get(sts_backends, account, {}).values()
                 if (r := b.get_assumed_role_from_access_key(access_key))), None)
    if role is None:
        return None
    return Identity(account, key.secret_access_key, role.session_token, role.expiration)
