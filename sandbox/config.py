"""Where awslab keeps its state and how it finds the emulator and the learner account.

Resolution order follows DESIGN.md section 4:
- endpoint: --endpoint, else AWSLAB_ENDPOINT, else the embedded emulator recorded in AWSLAB_HOME,
  else http://127.0.0.1:4566;
- account: --account, else a 12-digit AWS_ACCESS_KEY_ID, else 000000000000;
- region: --region, else AWS_DEFAULT_REGION/AWS_REGION, else ap-northeast-1.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "ap-northeast-1"
DEFAULT_PORT = 4566
ACCOUNT_RE = re.compile(r"^\d{12}$")


def home() -> Path:
    """awslab's state folder (emulator pid/port/log, progress, hints used)."""
    return Path(os.environ.get("AWSLAB_HOME") or Path.home() / ".awslab").expanduser().resolve()


def emulator_state_file() -> Path:
    return home() / "emulator.json"


def read_emulator_state() -> dict | None:
    try:
        return json.loads(emulator_state_file().read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None


def endpoint(explicit: str | None = None) -> str:
    if explicit:
        return explicit.rstrip("/")
    if os.environ.get("AWSLAB_ENDPOINT"):
        return os.environ["AWSLAB_ENDPOINT"].rstrip("/")
    state = read_emulator_state()
    if state and state.get("port"):
        return f"http://{connect_host(state.get('host'))}:{state['port']}"
    return f"http://127.0.0.1:{DEFAULT_PORT}"


DEFAULT_HOST = "127.0.0.1"  # the embedded emulator listens on loopback unless told otherwise


def connect_host(listen_host: str | None) -> str:
    """The address to reach an emulator that listens on `listen_host` from this machine."""
    if not listen_host or listen_host in ("0.0.0.0", "::"):
        return DEFAULT_HOST
    return f"[{listen_host}]" if ":" in listen_host else listen_host


def is_account_id(value: str | None) -> bool:
    return bool(value and ACCOUNT_RE.match(value))


def account(explicit: str | None = None) -> str:
    from .errors import AwslabError
    from .i18n import t

    if explicit is not None:
        if not is_account_id(explicit):
            raise AwslabError(t("err-invalid-account", value=repr(explicit)))
        return explicit
    key = os.environ.get("AWS_ACCESS_KEY_ID")
    if is_account_id(key):
        return key
    return DEFAULT_ACCOUNT


def region(explicit: str | None = None) -> str:
    return (
        explicit
        or os.environ.get("AWS_DEFAULT_REGION")
        or os.environ.get("AWS_REGION")
        or DEFAULT_REGION
    )
