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
