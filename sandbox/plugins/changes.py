"""Write counters per service, so plugins can cache what they derive from LocalStack's state.

A response handler counts every call of a service whose operation is not a read (Describe*, Get*,
List*, Head*); an account reset counts for every service. A cache entry remembers the counters it was
computed under (and its age: state can also change without an API call, e.g. an instance finishing
its start) and is recomputed when they moved. Used by the S3 policy enforcement, which runs on every
S3 request and must stay cheap (bench/bench_policy.py).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

_READS = ("Describe", "Get", "List", "Head")
_lock = threading.Lock()
_versions: dict[str, int] = defaultdict(int)
_everything = 0  # bumped by account resets
_installed = False


def version(*services: str) -> tuple:
    return (_everything, *(_versions[s] for s in services))


def track_writes(chain, context, response) -> None:
    if context.service is None or context.operation is None:
        return
    if not context.operation.name.startswith(_READS):
        with _lock:
            _versions[context.service.service_name] += 1


def bump_all(_account_id: str = "") -> None:
    global _everything
    with _lock:
        _everything += 1


def install() -> None:
    """Register the counting handler once (several plugins call this from their hooks)."""
    from localstack.aws.handlers import run_custom_response_handlers

    from . import ACCOUNT_RESET_HOOKS

    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    run_custom_response_handlers.append(track_writes)
    ACCOUNT_RESET_HOOKS.append(bump_all)


class Cache:
    """A small dict of values computed under `version(*services)`, each kept at most `max_age` s."""

    def __init__(self, *services: str, max_age: float = 2.0, size: int = 4096):
        self.services, self.max_age, self.size = services, max_age, size
        self._entries: dict = {}

    def get(self, key, compute):
        now = time.monotonic()
        current = version(*self.services)
        found = self._entries.get(key)
        if found is not None and found[0] == current and now - found[1] < self.max_age:
            return found[2]
        value = compute()
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key] = (current, now, value)
        return value
