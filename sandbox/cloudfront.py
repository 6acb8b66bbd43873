"""CloudFront facts shared by the emulator's CloudFront plugin and the grader (pure Python, no
LocalStack imports): S3 origin domain names, the OAI principal, cache behavior matching, and S3's
access decision for a read through CloudFront (bucket policy, ACLs, Block Public Access)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sandbox import iam_policy

OAI_PREFIX = "origin-access-identity/cloudfront/"
# The IAM principal of an origin access identity in bucket policies (CloudFront Developer Guide,
# "Restricting access to an Amazon S3 origin", legacy OAI section).
OAI_PRINCIPAL = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {}"

# S3 REST endpoints as origin domain names: bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com,
# bucket.s3-<region>.amazonaws.com (legacy), and LocalStack's bucket.s3.localhost.localstack.cloud.
# Website endpoints (bucket.s3-website-<region>...) are custom origins, not S3 origins.
_S3_DOMAIN = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])\.s3(?:[.-](?P<region>(?!website)[a-z0-9-]+))?"
    r"\.(?:amazonaws\.com|localhost\.localstack\.cloud(?::\d+)?)$"
)
S3_WEBSITE_DOMAIN = re.compile(r"\.s3-website[.-][a-z0-9-]+\.amazonaws\.com$")


def s3_bucket_of(domain: str) -> str | None:
    """The bucket an S3 origin domain name points to (None for any other domain)."""
    match = _S3_DOMAIN.match((domain or "").lower())
    return match.group("bucket") if match else None


def oai_id(s3_origin_config: dict | None) -> str | None:
    """The OAI id of an origin's S3OriginConfig ("origin-access-identity/cloudfront/E...")."""
    value = (s3_origin_config or {}).get("OriginAccessIdentity") or ""
    return value[len(OAI_PREFIX):] if value.startswith(OAI_PREFIX) else None


def cache_behaviors(config: dict) -> list[dict]:
    """The ordered cache behaviors, then the default one (which has no PathPattern)."""
    return list((config.get("CacheBehaviors") or {}).get("Items") or []) + [config["DefaultCacheBehavior"]]


@lru_cache(maxsize=256)
def _path_pattern(pattern: str) -> re.Pattern:
    # Path patterns: * any characters, ? one character, case-sensitive, leading / optional
    # (Developer Guide, "Cache behavior settings", Path pattern).
    if not pattern.startswith("/"):
        pattern = "/" + pattern
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def behavior_for(config: dict, path: str) -> dict:
    """The cache behavior CloudFront applies to a request path ("/hane.jpg")."""
    for behavior in cache_behaviors(config):
        pattern = behavior.get("PathPattern")
        if pattern is None or _path_pattern(pattern).fullmatch(path):
            return behavior
    return config["DefaultCacheBehavior"]


def restricted(behavior: dict) -> bool:
    """Does the behavior require signed URLs or signed cookies (Restrict viewer access)?"""
    return bool((behavior.get("TrustedKeyGroups") or {}).get("Enabled")
                or (behavior.get("TrustedSigners") or {}).get("Enabled"))


# ---- S3's answer to a read through CloudFront ---------------------------------------------

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def _acl_grants(acl: dict | None, permission: str, canonical_user_id: str | None, ignore_public: bool) -> bool:
    for grant in (acl or {}).get("Grants") or []:
        if grant.get("Permission") not in (permission, "FULL_CONTROL"):
            continue
        grantee = grant.get("Grantee") or {}
        if grantee.get("URI") == ALL_USERS and not ignore_public:
            return True
        if canonical_user_id and grantee.get("ID") == canonical_user_id:
            return True
    return False


@dataclass(frozen=True)
class S3Decision:
    """S3's answer to one caller for one action, and what decided it: "policy-allow" or
    "policy-deny" (statement `sid` of the bucket policy), "restrict-public-buckets", "acl", or "none"
    (nothing allows it)."""
    allowed: bool
    basis: str
    action: str
    sid: str = "-"

    def __str__(self) -> str:
        return {
            "policy-allow": f"statement {self.sid} of the bucket policy allows {self.action}",
            "policy-deny": f"statement {self.sid} of the bucket policy denies {self.action}",
            "restrict-public-buckets": "RestrictPublicBuckets blocks public access to the bucket",
            "acl": f"an ACL grants READ ({self.action})",
        }.get(self.basis, f"neither the bucket policy nor an ACL allows {self.action}")


def s3_allows(policy: str | dict | None, acl: dict | None, *, object_ownership: str | None,
              public_access_block: dict | None, principal: dict | None, canonical_user_id: str | None,
              context: dict, action: str, resource: str) -> S3Decision:
    """Does S3 let this caller (principal None: anonymous) do `action` on `resource`? Bucket policy
    first (an explicit Deny wins, evaluated by sandbox/iam_policy.py), then READ grants of the ACL
    unless ACLs are disabled (ObjectOwnership BucketOwnerEnforced) or public ACLs are ignored
    (IgnorePublicAcls); RestrictPublicBuckets stops anonymous access through a public policy
    (Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage"). An OAI may be named
    by its ARN or by its S3 canonical user id ({"CanonicalUser": ...}): both are tried. Raises
    iam_policy.PolicyError for a policy that is not valid."""
    block = public_access_block or {}
    if policy:
        names = [principal] + ([{"CanonicalUser": canonical_user_id}] if canonical_user_id else [])
        decisions = [iam_policy.evaluate(policy, iam_policy.Request(
            action=action, resource=resource, principal=name, context=context)) for name in names]
        denied = next((d for d in decisions if d.effect == iam_policy.DENY), None)
        if denied is not None:
            return S3Decision(False, "policy-deny", action, (denied.statement or {}).get("Sid", "-"))
        allowed = next((d for d in decisions if d.allowed), None)
        if allowed is not None:
            if principal is None and block.get("RestrictPublicBuckets"):
                return S3Decision(False, "restrict-public-buckets", action)
            return S3Decision(True, "policy-allow", action, (allowed.statement or {}).get("Sid", "-"))
    if object_ownership != "BucketOwnerEnforced" and _acl_grants(
            acl, "READ", canonical_user_id, bool(block.get("IgnorePublicAcls"))):
        return S3Decision(True, "acl", action)
    return S3Decision(False, "none", action)
