"""Reading table data from, and writing query results to, the emulator's own S3.

Listing and reading go straight to LocalStack's S3 store and object store: a query checks the
table's objects (key and ETag) before each run, and an in-process look-up keeps that check in the
sub-millisecond range. Results are written through LocalStack's internal client so that they are
ordinary S3 objects (notifications, listings and ETags as for any PutObject).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..localstack_state import find_bucket


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    etag: str
    size: int

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _s3_provider():
    from localstack.services.plugins import SERVICE_PLUGINS

    return SERVICE_PLUGINS.require("s3")._provider


def bucket_exists(bucket: str) -> bool:
    _s3_provider()
    return find_bucket(bucket) is not None


def list_objects(bucket: str, prefix: str) -> list[ObjectInfo] | None:
    """Current objects under prefix, or None when the bucket does not exist."""
    from localstack.services.s3.models import S3Object

    _s3_provider()
    found = find_bucket(bucket)
    if found is None:
        return None
    out = []
    for obj in list(found.objects.values()):
        if isinstance(obj, S3Object) and obj.key.startswith(prefix):
            out.append(ObjectInfo(bucket, obj.key, obj.etag or "", obj.size or 0))
    out.sort(key=lambda o: o.key)
    return out


def read_object(bucket: str, key: str) -> bytes | None:
    provider = _s3_provider()
    found = find_bucket(bucket)
    if found is None:
        return None
    obj = found.objects.get(key)
    if obj is None or not hasattr(obj, "etag"):
        return None
    with provider._storage_backend.open(bucket, obj, mode="r") as stored:
        return stored.read()


def put_object(account: str, region: str, bucket: str, key: str, body: bytes, content_type: str) -> None:
    from localstack.aws.connect import connect_to

    client = connect_to(aws_access_key_id=account, region_name=region).s3
    client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
