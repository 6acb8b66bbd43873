"""The event journal: every hop of every flow, per account, in the order it happened.

A hop is one step of a flow: an API call, an event put on a bus, a rule that matched (or not), a
target invoked, a Lambda result, an S3 or SQS delivery. Plugins call record(); the grader and
`awslab events` read entries() through GET /_awslab/journal/<account>.

Entries are plain JSON-able dicts:
  {"seq": 17, "time": "2026-11-28T15:04:05.123Z", "account": "000000000000",
   "region": "ap-northeast-1", "hop": "lambda-result", ...hop-specific fields}
`seq` grows per emulator process, so a reader asks for "everything after seq N".
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from datetime import datetime, timezone

# Enough for a lesson's worth of flows; the oldest entries go first.
MAX_ENTRIES_PER_ACCOUNT = 5000

_lock = threading.Lock()
# Notified on every record() and update(): readers that wait for a flow's next hop wake at once.
_changed = threading.Condition(_lock)
_seq = itertools.count(1)
_entries: dict[str, deque[dict]] = {}


def record(account_id: str, region: str, hop: str, **fields) -> dict:
    """Append one hop for `account_id`; returns the stored entry. Never raises for JSON-able fields."""
    now = datetime.now(timezone.utc)
    entry = {
        "seq": 0,
        "time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "account": account_id,
        "region": region,
        "hop": hop,
        **fields,
    }
    with _lock:
        entry["seq"] = next(_seq)
        _entries.setdefault(account_id, deque(maxlen=MAX_ENTRIES_PER_ACCOUNT)).append(entry)
        _changed.notify_all()
    return entry


def update(entry: dict, **fields) -> None:
    """Complete a recorded hop (its outcome is known only when the response leaves)."""
    with _lock:
        entry.update(fields)
        _changed.notify_all()


def entries(account_id: str, since: int = 0, last: int | None = None) -> list[dict]:
    """The account's hops with seq > since, oldest first; only the newest `last` of them if given."""
    with _lock:
        found = [dict(e) for e in _entries.get(account_id, ()) if e["seq"] > since]
    return found[len(found) - last:] if last is not None and last < len(found) else found


def wait_newer(account_id: str, since: int, timeout: float) -> None:
    """Block until the account has a hop with seq > since, a hop is updated, or `timeout` passes."""
    with _changed:
        kept = _entries.get(account_id)
        if kept and kept[-1]["seq"] > since:
            return
        _changed.wait(timeout)


def newest_seq(account_id: str) -> int:
    """The seq of the account's newest hop (0 when there is none): "everything after this" is new."""
    with _lock:
        kept = _entries.get(account_id)
        return kept[-1]["seq"] if kept else 0


def clear(account_id: str) -> None:
    with _lock:
        _entries.pop(account_id, None)
