"""CloudFront's request to an S3 origin, answered the way S3 would answer it.

LocalStack stores bucket policies and ACLs but never applies them, so the origin fetch reads the
object from LocalStack's S3 store itself and decides access like S3 does for the caller CloudFront
is (Amazon CloudFront Developer Guide, "Restrict access to an Amazon S3 origin"):
- with an origin access identity: the IAM principal
  arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <id> (or its S3 canonical user id);
- with an origin access control that signs: the service principal cloudfront.amazonaws.com, with
  aws:SourceArn = the distribution's ARN and aws:SourceAccount = its account;
- otherwise an anonymous request.
The bucket policy is evaluated with sandbox/iam_policy.py (an explicit Deny wins); ACL grants count
unless the bucket enforces bucket-owner ownership or blocks public ACLs (IgnorePublicAcls);
RestrictPublicBuckets stops anonymous access through a public policy. A missing key answers 404
NoSuchKey only to a caller allowed to list the bucket, else 403 AccessDenied (Amazon S3 API
Reference, GetObject: "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP
status code 403"). Error bodies are S3's XML error responses (S3 API Reference, "Error responses").
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from localstack.services.plugins import SERVICE_PLUGINS
from localstack.services.s3.models import S3DeleteMarker

from sandbox import iam_policy
from sandbox.cloudfront import OAI_PRINCIPAL, s3_allows

from .. import localstack_state

LOG = logging.getLogger(__name__)

# Object metadata S3 returns as headers (and CloudFront passes on to the viewer).
_METADATA_HEADERS = {
    "ContentType": "Content-Type", "CacheControl": "Cache-Control", "ContentEncoding": "Content-Encoding",
    "ContentDisposition": "Content-Disposition", "ContentLanguage": "Content-Language",
}


@dataclass
class Caller:
    """Who CloudFront is towards S3."""
    kind: str  # "oai", "oac" or "anonymous"
    principal: dict | None = None
    canonical_user_id: str | None = None
    context: dict = field(default_factory=dict)

    def describe(self) -> str:
        if self.kind == "oai":
            return self.principal["AWS"]
        if self.kind == "oac":
            return f"cloudfront.amazonaws.com for {self.context['aws:SourceArn']}"
        return "anonymous"


@dataclass
class OriginResponse:
    status: int
    body: bytes
    headers: dict[str, str]
    reason: str = ""  # why S3 refused, for the event journal


def oai_caller(oai_id: str, canonical_user_id: str) -> Caller:
    return Caller("oai", {"AWS": OAI_PRINCIPAL.format(oai_id)}, canonical_user_id, {"aws:SecureTransport": "true"})


def oac_caller(distribution_arn: str, account_id: str) -> Caller:
    return Caller("oac", {"Service": "cloudfront.amazonaws.com"}, None, {
        "aws:SourceArn": distribution_arn, "aws:SourceAccount": account_id, "aws:SecureTransport": "true"})


def anonymous_caller() -> Caller:
    return Caller("anonymous", None, None, {"aws:SecureTransport": "true"})


def s3_error(status: int, code: str, message: str, **extra: str) -> OriginResponse:
    fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}'
            f"</Message>{fields}<RequestId>{secrets.token_hex(8).upper()}</RequestId>"
            f"<HostId>{secrets.token_urlsafe(54)}</HostId></Error>").encode()
    return OriginResponse(status, body, {"Content-Type": "application/xml", "Server": "AmazonS3"},
                          reason=f"S3 answered {status} {code}")


def _allowed(bucket, caller: Caller, action: str, resource: str, acl: dict | None) -> tuple[bool, str]:
    """(allowed, why) for one S3 action, as S3 decides it for this caller."""
    try:
        decision = s3_allows(
            bucket.policy, acl, object_ownership=bucket.object_ownership,
            public_access_block=bucket.public_access_block, principal=caller.principal,
            canonical_user_id=caller.canonical_user_id, context=caller.context, action=action, resource=resource)
    except iam_policy.PolicyError as exc:
        return False, f"the bucket policy is not valid: {exc}"
    return decision.allowed, str(decision) if decision.allowed else f"{decision} to {caller.describe()}"


def fetch(bucket_name: str, key: str, caller: Caller) -> OriginResponse:
    """GET s3://bucket_name/key as `caller` (the whole object; ranges are served from the edge)."""
    bucket = localstack_state.find_bucket(bucket_name)
    if bucket is None:
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket_name)
    s3_object = bucket.objects.get(key)
    if isinstance(s3_object, S3DeleteMarker):
        s3_object = None
    allowed, why = _allowed(bucket, caller, "s3:GetObject", f"arn:aws:s3:::{bucket_name}/{key}",
                            s3_object.acl if s3_object is not None else None)
    if not allowed:
        response = s3_error(403, "AccessDenied", "Access Denied")
        response.reason = f"S3 refused: {why}"
        return response
    if s3_object is None:
        may_list, _ = _allowed(bucket, caller, "s3:ListBucket", f"arn:aws:s3:::{bucket_name}", bucket.acl)
        if not may_list:
            response = s3_error(403, "AccessDenied", "Access Denied")
            response.reason = f"no object {key} in {bucket_name}, and {caller.describe()} may not list the bucket"
            return response
        return s3_error(404, "NoSuchKey", "The specified key does not exist.", Key=key)

    storage = SERVICE_PLUGINS.get_service("s3")._provider._storage_backend
    with storage.open(bucket_name, s3_object, mode="r") as stored:
        body = stored.read()
    headers = {
        "Content-Type": "binary/octet-stream",
        "Content-Length": str(len(body)),
        "ETag": s3_object.quoted_etag,
        "Last-Modified": s3_object.last_modified_rfc1123,
        "Accept-Ranges": "bytes",
        "Server": "AmazonS3",
    }
    for field_name, value in (s3_object.system_metadata or {}).items():
        if field_name in _METADATA_HEADERS:
            headers[_METADATA_HEADERS[field_name]] = value
    if s3_object.expires:
        headers["Expires"] = s3_object.expires_rfc1123
    for name, value in (s3_object.user_metadata or {}).items():
        headers[f"x-amz-meta-{name}"] = value
    if s3_object.version_id and s3_object.version_id != "null":
        headers["x-amz-version-id"] = s3_object.version_id
    return OriginResponse(200, body, headers, reason=f"S3 allowed {caller.describe()}: {why}")
