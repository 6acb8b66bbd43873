"""Which IAM action and resource an S3 API operation is authorized as.

Source: Amazon S3 User Guide, "Required permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html) and the
Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3". Operations
not listed are authorized as s3:<OperationName> on the bucket (or object when a key is given), which
is right for most of the rest (GetBucketTagging, PutBucketVersioning, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

# operation -> (action, level) ; level "bucket" | "object" | "service"
_OPERATIONS: dict[str, tuple[str, str]] = {
    "ListBuckets": ("s3:ListAllMyBuckets", "service"),
    "ListDirectoryBuckets": ("s3:ListAllMyDirectoryBuckets", "service"),
    "CreateBucket": ("s3:CreateBucket", "bucket"),
    "DeleteBucket": ("s3:DeleteBucket", "bucket"),
    "HeadBucket": ("s3:ListBucket", "bucket"),
    "ListObjects": ("s3:ListBucket", "bucket"),
    "ListObjectsV2": ("s3:ListBucket", "bucket"),
    "ListObjectVersions": ("s3:ListBucketVersions", "bucket"),
    "ListMultipartUploads": ("s3:ListBucketMultipartUploads", "bucket"),
    "GetBucketLocation": ("s3:GetBucketLocation", "bucket"),
    "GetBucketPolicy": ("s3:GetBucketPolicy", "bucket"),
    "PutBucketPolicy": ("s3:PutBucketPolicy", "bucket"),
    "DeleteBucketPolicy": ("s3:DeleteBucketPolicy", "bucket"),
    "GetBucketPolicyStatus": ("s3:GetBucketPolicyStatus", "bucket"),
    "GetBucketNotificationConfiguration": ("s3:GetBucketNotification", "bucket"),
    "PutBucketNotificationConfiguration": ("s3:PutBucketNotification", "bucket"),
    "GetBucketLifecycleConfiguration": ("s3:GetLifecycleConfiguration", "bucket"),
    "PutBucketLifecycleConfiguration": ("s3:PutLifecycleConfiguration", "bucket"),
    "DeleteBucketLifecycle": ("s3:PutLifecycleConfiguration", "bucket"),
    "GetBucketEncryption": ("s3:GetEncryptionConfiguration", "bucket"),
    "PutBucketEncryption": ("s3:PutEncryptionConfiguration", "bucket"),
    "DeleteBucketEncryption": ("s3:PutEncryptionConfiguration", "bucket"),
    "GetBucketCors": ("s3:GetBucketCORS", "bucket"),
    "PutBucketCors": ("s3:PutBucketCORS", "bucket"),
    "DeleteBucketCors": ("s3:PutBucketCORS", "bucket"),
    "DeleteBucketTagging": ("s3:PutBucketTagging", "bucket"),
    "GetBucketReplication": ("s3:GetReplicationConfiguration", "bucket"),
    "PutBucketReplication": ("s3:PutReplicationConfiguration", "bucket"),
    "DeleteBucketReplication": ("s3:PutReplicationConfiguration", "bucket"),
    "GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", "bucket"),
    "PutPublicAccessBlock": ("s3:PutBucketPublicAccessBlock", "bucket"),
    "DeletePublicAccessBlock": ("s3:PutBucketPublicAccessBlock", "bucket"),
    "GetObjectLockConfiguration": ("s3:GetBucketObjectLockConfiguration", "bucket"),
    "PutObjectLockConfiguration": ("s3:PutBucketObjectLockConfiguration", "bucket"),
    "GetBucketAccelerateConfiguration": ("s3:GetAccelerateConfiguration", "bucket"),
    "PutBucketAccelerateConfiguration": ("s3:PutAccelerateConfiguration", "bucket"),
    "DeleteBucketOwnershipControls": ("s3:PutBucketOwnershipControls", "bucket"),
    "GetBucketAnalyticsConfiguration": ("s3:GetAnalyticsConfiguration", "bucket"),
    "ListBucketAnalyticsConfigurations": ("s3:GetAnalyticsConfiguration", "bucket"),
    "PutBucketAnalyticsConfiguration": ("s3:PutAnalyticsConfiguration", "bucket"),
    "DeleteBucketAnalyticsConfiguration": ("s3:PutAnalyticsConfiguration", "bucket"),
    "GetBucketInventoryConfiguration": ("s3:GetInventoryConfiguration", "bucket"),
    "ListBucketInventoryConfigurations": ("s3:GetInventoryConfiguration", "bucket"),
    "PutBucketInventoryConfiguration": ("s3:PutInventoryConfiguration", "bucket"),
    "DeleteBucketInventoryConfiguration": ("s3:PutInventoryConfiguration", "bucket"),
    "GetBucketMetricsConfiguration": ("s3:GetMetricsConfiguration", "bucket"),
    "ListBucketMetricsConfigurations": ("s3:GetMetricsConfiguration", "bucket"),
    "PutBucketMetricsConfiguration": ("s3:PutMetricsConfiguration", "bucket"),
    "DeleteBucketMetricsConfiguration": ("s3:PutMetricsConfiguration", "bucket"),
    "GetBucketIntelligentTieringConfiguration": ("s3:GetIntelligentTieringConfiguration", "bucket"),
    "ListBucketIntelligentTieringConfigurations": ("s3:GetIntelligentTieringConfiguration", "bucket"),
    "PutBucketIntelligentTieringConfiguration": ("s3:PutIntelligentTieringConfiguration", "bucket"),
    "DeleteBucketIntelligentTieringConfiguration": ("s3:PutIntelligentTieringConfiguration", "bucket"),
    "DeleteBucketWebsite": ("s3:DeleteBucketWebsite", "bucket"),
    "GetObject": ("s3:GetObject", "object"),
    "HeadObject": ("s3:GetObject", "object"),
    "GetObjectAttributes": ("s3:GetObjectAttributes", "object"),
    "SelectObjectContent": ("s3:GetObject", "object"),
    "PutObject": ("s3:PutObject", "object"),
    "CopyObject": ("s3:PutObject", "object"),
    "CreateMultipartUpload": ("s3:PutObject", "object"),
    "UploadPart": ("s3:PutObject", "object"),
    "UploadPartCopy": ("s3:PutObject", "object"),
    "CompleteMultipartUpload": ("s3:PutObject", "object"),
    "AbortMultipartUpload": ("s3:AbortMultipartUpload", "object"),
    "ListParts": ("s3:ListMultipartUploadParts", "object"),
    "DeleteObject": ("s3:DeleteObject", "object"),
    "DeleteObjects": ("s3:DeleteObject", "object"),
    "RestoreObject": ("s3:RestoreObject", "object"),
}
# Operations that address a specific version need the ...Version action (e.g. s3:GetObjectVersion).
_VERSIONED = {"s3:GetObject", "s3:DeleteObject", "s3:GetObjectAcl", "s3:PutObjectAcl",
              "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging",
              "s3:GetObjectAttributes", "s3:GetObjectRetention", "s3:GetObjectLegalHold"}
# The bucket-policy actions the bucket owner's root user may always use (S3 API reference,
# PutBucketPolicy: "the root principal in a bucket owner's Amazon Web Services account can perform
# the GetBucketPolicy, PutBucketPolicy, and DeleteBucketPolicy API actions, even if their bucket
# policy explicitly denies the root principal's access").
ROOT_ALWAYS = {"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}


@dataclass(frozen=True)
class Check:
    """One authorization an operation needs: action on resource (with its own condition keys)."""

    action: str
    resource: str
    bucket: str | None
    key: str | None = None


def checks_for(operation: str, params: dict) -> list[Check]:
    """The authorizations S3 makes for one request (several for DeleteObjects and copies)."""
    bucket = params.get("Bucket")
    key = params.get("Key")
    action, level = _OPERATIONS.get(operation, (None, None))
    if action is None:
        action = f"s3:{operation}"
        level = "object" if key else ("bucket" if bucket else "service")
    if level == "service" or not bucket:
        return [Check(action, "*", None)]
    if level == "bucket":
        return [Check(action, f"arn:aws:s3:::{bucket}", bucket)]
    if params.get("VersionId") and action in _VERSIONED:
        action = f"{action}Version"
    if operation == "DeleteObjects":
        objects = (params.get("Delete") or {}).get("Objects") or []
        return [Check("s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                      f"arn:aws:s3:::{bucket}/{o.get('Key', '')}", bucket, o.get("Key", ""))
                for o in objects] or [Check(action, f"arn:aws:s3:::{bucket}/*", bucket)]
    found = [Check(action, f"arn:aws:s3:::{bucket}/{key}", bucket, key)]
    source = _copy_source(params.get("CopySource"))
    if source:  # CopyObject / UploadPartCopy read the source object too
        found.insert(0, Check("s3:GetObjectVersion" if source[2] else "s3:GetObject",
                              f"arn:aws:s3:::{source[0]}/{source[1]}", source[0], source[1]))
    return found


def _copy_source(value) -> tuple[str, str, str | None] | None:
    if not value:
        return None
    if isinstance(value, dict):
        return value.get("Bucket", ""), value.get("Key", ""), value.get("VersionId")
    from urllib.parse import unquote

    text, _, query = str(value).lstrip("/").partition("?versionId=")
    bucket, _, key = unquote(text).partition("/")
    return bucket, key, query or None
