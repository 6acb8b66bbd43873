"""The edge cache: objects CloudFront fetched from an origin, kept for their TTL.

As on CloudFront, an object changed in S3 keeps being served from the cache until its TTL ends or an
invalidation removes it (Developer Guide, "Manage how long content stays in the cache" and
"Invalidate files"). Keyed by distribution, then by the cache key (the path, plus the query when the
behavior forwards query strings). Error answers are not cached (CloudFront caches them for
ErrorCachingMinTTL, 10 s by default; a learner fixing a bucket policy should see the fix at once).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

# Bounds so that a classroom emulator's memory stays small.
MAX_OBJECT_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024


@dataclass
class Entry:
    account_id: str
    body: bytes
    headers: dict[str, str]
    ttl: float
    stored: float = field(default_factory=time.monotonic)

    def fresh(self, now: float) -> bool:
        return now - self.stored < self.ttl


_lock = threading.Lock()
_entries: "OrderedDict[tuple[str, str], Entry]" = OrderedDict()
_total = 0


def get(dist_id: str, key: str) -> Entry | None:
    global _total
    with _lock:
        entry = _entries.get((dist_id, key))
        if entry is None:
            return None
        if not entry.fresh(time.monotonic()):
            _entries.pop((dist_id, key))
            _total -= len(entry.body)
            return None
        return entry


def put(dist_id: str, key: str, entry: Entry) -> None:
    global _total
    if entry.ttl <= 0 or len(entry.body) > MAX_OBJECT_BYTES:
        return
    with _lock:
        old = _entries.pop((dist_id, key), None)
        if old is not None:
            _total -= len(old.body)
        _entries[(dist_id, key)] = entry
        _total += len(entry.body)
        while _total > MAX_TOTAL_BYTES and _entries:
            _, evicted = _entries.popitem(last=False)
            _total -= len(evicted.body)


def _drop(predicate) -> int:
    global _total
    with _lock:
        doomed = [k for k, e in _entries.items() if predicate(k, e)]
        for k in doomed:
            _total -= len(_entries.pop(k).body)
    return len(doomed)


def purge(dist_id: str) -> int:
    return _drop(lambda k, e: k[0] == dist_id)


def invalidate(dist_id: str, paths: list[str]) -> int:
    """Remove what the invalidation paths name: an exact path, or a prefix ending in * (the only
    wildcard position CloudFront allows). Query strings in the cache key do not matter."""

    def named(key: tuple[str, str], _entry) -> bool:
        if key[0] != dist_id:
            return False
        path = key[1].split("?", 1)[0]
        return any(path.startswith(p[:-1]) if p.endswith("*") else path == p.split("?", 1)[0] for p in paths)

    return _drop(named)


def drop_account(account_id: str) -> None:
    """Per-account reset: the account's distributions are gone, so is their cached content."""
    _drop(lambda k, e: e.account_id == account_id)
