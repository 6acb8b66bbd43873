"""Look-ups in LocalStack's own stores shared by several plugins (runs inside the emulator)."""

from __future__ import annotations

from localstack.services.s3.models import S3Bucket, s3_stores


def bucket_owner(bucket: str) -> str | None:
    """The account that owns `bucket` (bucket names are global, also across accounts)."""
    any_store = next(iter(s3_stores.iter_stores()), None)
    if any_store is None:
        return None
    return any_store[2].global_bucket_map.get(bucket)  # a cross-account attribute: same in every store


def find_bucket(bucket: str) -> S3Bucket | None:
    owner = bucket_owner(bucket)
    if owner is None:
        return None
    for store in s3_stores[owner].values():
        return store.buckets.get(bucket)  # a cross-region attribute: same in every region
    return None


def bucket_region(bucket: str) -> str | None:
    found = find_bucket(bucket)
    return found.bucket_region if found else None


def default_bus_has_rules(account_id: str, region: str) -> bool:
    """Whether the account's default EventBridge bus in `region` has any rule (an event put on a bus
    without rules goes nowhere, so producers may skip it)."""
    from localstack.services.events.models import events_stores

    if account_id not in events_stores or region not in events_stores[account_id]:
        return False
    bus = events_stores[account_id][region].event_buses.get("default")
    return bool(bus and bus.rules)
