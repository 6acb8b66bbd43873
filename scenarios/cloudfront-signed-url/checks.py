"""Checks of cloudfront-signed-url: one function per check id in scenario.yaml.

The resources are judged by what they do: the bucket policy is evaluated for the OAI principal,
for anonymous callers and for other accounts (sandbox/iam_policy.py, the same evaluator the edge
uses for its origin requests); the distribution's cache behavior for /<object> is the one CloudFront
would apply. The flows request the object through the emulator's CloudFront edge, like the blog's
"動作確認": unsigned, signed with the learner's private key, signed but expired, tampered. The
learner hands the private key to the grader as a file (`--input private_key=PATH`, else
private_key_presigned_url.pem in the current folder); it is only read, never sent anywhere.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from botocore.exceptions import ClientError

from grader import aws
from grader.check import CheckContext, failed, passed
from sandbox import cloudfront_signing as signing
from sandbox import iam_policy
from sandbox.cloudfront import OAI_PRINCIPAL, behavior_for, oai_id, s3_allows, s3_bucket_of

DEFAULT_KEY_FILE = "private_key_presigned_url.pem"
OTHER_ACCOUNT = "999999999999"
OTHER_OAI = "E2EXAMPLEOTHERS"
SIGNED_URL_LIFETIME_S = 300


# ---- look-ups (memoised per grading run) ---------------------------------------------------

def _cloudfront(ctx: CheckContext):
    return ctx.client("cloudfront")


def _head_object(ctx: CheckContext) -> dict | None:
    def look_up():
        try:
            return ctx.client("s3").head_object(Bucket=ctx.names["bucket"], Key=ctx.names["object"])
        except ClientError as exc:
            if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    return ctx.memoised("cf:head-object", look_up)


def _public_keys(ctx: CheckContext) -> list[dict]:
    """[{id, name, pem, bits}] with bits None for a key that is not RSA."""
    def look_up():
        keys = []
        for item in _cloudfront(ctx).list_public_keys()["PublicKeyList"].get("Items", []):
            try:
                key = signing.load_public_key(item["EncodedKey"])
                bits = key.key_size
            except ValueError:
                bits = None
            keys.append({"id": item["Id"], "name": item["Name"], "pem": item["EncodedKey"], "bits": bits})
        return keys
    return ctx.memoised("cf:public-keys", look_up)


def _good_key_ids(ctx: CheckContext) -> set[str]:
    return {k["id"] for k in _public_keys(ctx) if k["bits"] == 2048}


def _key_groups(ctx: CheckContext) -> list[dict]:
    def look_up():
        return [{"id": g["KeyGroup"]["Id"], "name": g["KeyGroup"]["KeyGroupConfig"]["Name"],
                 "items": g["KeyGroup"]["KeyGroupConfig"].get("Items", [])}
                for g in _cloudfront(ctx).list_key_groups()["KeyGroupList"].get("Items", [])]
    return ctx.memoised("cf:key-groups", look_up)


def _oais(ctx: CheckContext) -> list[dict]:
    def look_up():
        listing = _cloudfront(ctx).list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]
        return listing.get("Items", [])
    return ctx.memoised("cf:oais", look_up)


def _distributions(ctx: CheckContext) -> list[dict]:
    return ctx.memoised("cf:distributions",
                        lambda: _cloudfront(ctx).list_distributions()["DistributionList"].get("Items", []))


def _ours(ctx: CheckContext) -> tuple[dict, dict] | None:
    """(distribution summary, origin) of the distribution with the bucket as an origin, preferring
    one whose behavior for /<object> goes to that origin."""
    candidates = []
    for dist in _distributions(ctx):
        for origin in dist["Origins"]["Items"]:
            if s3_bucket_of(origin["DomainName"]) == ctx.names["bucket"]:
                routed = behavior_for(dist, _path(ctx))["TargetOriginId"] == origin["Id"]
                candidates.append((not routed, not dist.get("Enabled"), dist, origin))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[:2])
    return candidates[0][2], candidates[0][3]


def _path(ctx: CheckContext) -> str:
    return "/" + ctx.names["object"]


def _bucket_policy(ctx: CheckContext) -> str | None:
    return aws.bucket_policy(ctx, ctx.names["bucket"])


def _object_arn(ctx: CheckContext) -> str:
    return f"arn:aws:s3:::{ctx.names['bucket']}/{ctx.names['object']}"


def _oai_principal(oai: str) -> dict:
    return {"AWS": OAI_PRINCIPAL.format(oai)}


# ---- configuration checks ------------------------------------------------------------------

def object_uploaded(ctx: CheckContext):
    bucket, key = ctx.names["bucket"], ctx.names["object"]
    if bucket not in aws.bucket_names(ctx):
        return failed("no-bucket", found=", ".join(aws.bucket_names(ctx)) or "-")
    head = _head_object(ctx)
    if head is None:
        listed = ctx.client("s3").list_objects_v2(Bucket=bucket, MaxKeys=10).get("Contents", [])
        return failed("missing", found=", ".join(o["Key"] for o in listed) or "-")
    content_type = head.get("ContentType", "")
    if not content_type.startswith("image/"):
        return failed("not-image", type=content_type or "-")
    return passed(size=head["ContentLength"], type=content_type)


def public_key_registered(ctx: CheckContext):
    keys = _public_keys(ctx)
    if not keys:
        return failed("none")
    good = [k for k in keys if k["bits"] == 2048]
    if not good:
        found = "; ".join(f"{k['name']} ({k['id']}): " + (f"{k['bits']}-bit RSA" if k["bits"] else "not RSA")
                          for k in keys)
        return failed("wrong-key", found=found)
    return passed(name=good[0]["name"], id=good[0]["id"])


def key_group_has_key(ctx: CheckContext):
    groups = _key_groups(ctx)
    if not groups:
        return failed("none")
    good = _good_key_ids(ctx)
    for group in groups:
        keys = [k for k in group["items"] if k in good]
        if keys:
            return passed(group=group["name"], key=keys[0])
    return failed("no-valid-key", groups=", ".join(f"{g['name']} ({', '.join(g['items'])})" for g in groups))


def oai_exists(ctx: CheckContext):
    oais = _oais(ctx)
    if not oais:
        return failed("none")
    return passed(ids=", ".join(o["Id"] for o in oais))


def _policy_lets_read(ctx: CheckContext, raw: str, principal: dict | None, canonical: str | None = None):
    """The bucket policy's decision alone (ACLs aside) for GetObject on the object."""
    return s3_allows(raw, None, object_ownership="BucketOwnerEnforced", public_access_block=None,
                     principal=principal, canonical_user_id=canonical, context={}, action="s3:GetObject",
                     resource=_object_arn(ctx))


def bucket_policy_grants_oai(ctx: CheckContext):
    raw = _bucket_policy(ctx)
    if not raw:
        return failed("no-policy")
    ours = _ours(ctx)
    used = oai_id(ours[1].get("S3OriginConfig")) if ours else None
    # The OAI the distribution uses comes first: granting another one would not help. A policy may
    # name an OAI by its ARN or by its S3 canonical user id.
    oais = sorted(_oais(ctx), key=lambda o: o["Id"] != used)
    try:
        decisions = [(o["Id"], _policy_lets_read(ctx, raw, _oai_principal(o["Id"]), o["S3CanonicalUserId"]))
                     for o in oais]
    except iam_policy.PolicyError as exc:
        return failed("invalid", problem=str(exc))
    for oai, decision in decisions:
        if decision.allowed:
            return passed(oai=oai, sid=decision.sid)
    oai, decision = decisions[0]
    if decision.basis == "policy-deny":
        return failed("denied", oai=oai, sid=decision.sid, debug=raw)
    return failed("not-granted", oais=", ".join(o for o, _ in decisions), debug=raw)


def bucket_policy_only_oai(ctx: CheckContext):
    raw = _bucket_policy(ctx)
    # Principals named by their ARNs: language-neutral in the message.
    others = [f"arn:aws:iam::{OTHER_ACCOUNT}:root", OAI_PRINCIPAL.format(OTHER_OAI)]
    open_to = [arn for arn in others if _policy_lets_read(ctx, raw, {"AWS": arn}).allowed]
    if open_to:
        return failed("others", who=", ".join(open_to), debug=raw)
    return passed()


def distribution_origin_oai(ctx: CheckContext):
    distributions = _distributions(ctx)
    if not distributions:
        return failed("no-distribution")
    ours = _ours(ctx)
    if ours is None:
        origins = [o["DomainName"] for d in distributions for o in d["Origins"]["Items"]]
        return failed("other-origin", found=", ".join(origins))
    dist, origin = ours
    oai = oai_id(origin.get("S3OriginConfig"))
    if oai is None:
        if origin.get("OriginAccessControlId"):
            return failed("oac", id=dist["Id"], oac=origin["OriginAccessControlId"])
        return failed("no-oai", id=dist["Id"], origin=origin["DomainName"])
    if behavior_for(dist, _path(ctx))["TargetOriginId"] != origin["Id"]:
        return failed("not-routed", id=dist["Id"], origin=origin["Id"])
    if not dist.get("Enabled"):
        return failed("disabled", id=dist["Id"])
    return passed(id=dist["Id"], domain=dist["DomainName"], oai=oai)


def viewer_access_restricted(ctx: CheckContext):
    dist, _ = _ours(ctx)
    behavior = behavior_for(dist, _path(ctx))
    pattern = behavior.get("PathPattern") or "Default (*)"
    groups = behavior.get("TrustedKeyGroups") or {}
    if not groups.get("Enabled"):
        if (behavior.get("TrustedSigners") or {}).get("Enabled"):
            return failed("trusted-signers", id=dist["Id"], pattern=pattern)
        return failed("not-restricted", id=dist["Id"], pattern=pattern)
    good = _good_key_ids(ctx)
    useful = [g for g in _key_groups(ctx) if g["id"] in (groups.get("Items") or []) and set(g["items"]) & good]
    if not useful:
        return failed("other-group", id=dist["Id"], groups=", ".join(groups.get("Items") or []) or "-")
    return passed(id=dist["Id"], pattern=pattern, group=useful[0]["name"])


def s3_not_public(ctx: CheckContext):
    s3 = ctx.client("s3")
    bucket = ctx.names["bucket"]
    try:
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    except ClientError as exc:
        if aws.error_code(exc) != "OwnershipControlsNotFoundError":
            raise
        ownership = None
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as exc:
        if aws.error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
            raise
        block = None
    acls = {"bucket": s3.get_bucket_acl(Bucket=bucket), "object": s3.get_object_acl(Bucket=bucket, Key=ctx.names["object"])}
    for where, acl in acls.items():
        try:
            decision = s3_allows(_bucket_policy(ctx), acl, object_ownership=ownership, public_access_block=block,
                                 principal=None, canonical_user_id=None, context={}, action="s3:GetObject",
                                 resource=_object_arn(ctx))
        except iam_policy.PolicyError as exc:
            return failed("invalid", problem=str(exc))
        if decision.basis == "policy-allow":
            return failed("public-policy", sid=decision.sid)
        if decision.allowed:
            return failed(f"public-{where}-acl")
    return passed()


# ---- flows through the edge ------------------------------------------------------------------

def _edge_reason(ctx: CheckContext, response) -> str:
    """What the edge recorded for this request in the event journal (which hop refused it)."""
    entry = aws.journal_entry(ctx, "cloudfront-edge", response.headers.get("X-Amz-Cf-Id"))
    return (entry or {}).get("reason") or "-"


def _error_code(response) -> str:
    match = re.search(r"<Code>([^<]+)</Code>", response.text or "")
    return match.group(1) if match else "-"


def _url(ctx: CheckContext) -> str:
    return f"https://{_ours(ctx)[0]['DomainName']}{_path(ctx)}"


def unsigned_request_refused(ctx: CheckContext):
    url = _url(ctx)
    response = ctx.emulator.edge(url)
    if response.status_code == 200:
        return failed("served", url=url)
    if response.status_code != 403:
        return failed("other-status", url=url, status=response.status_code, code=_error_code(response))
    return passed(url=url, code=_error_code(response))


def _signing_key(ctx: CheckContext):
    """(key pair id, private key) or a failed Outcome: the learner's key file and the trusted public
    key it belongs to."""
    def look_up():
        path = Path(ctx.inputs.get("private_key") or DEFAULT_KEY_FILE).expanduser()
        if not path.is_file():
            return failed("no-key-file", path=str(path.absolute()))
        try:
            key = signing.load_private_key(path.read_bytes())
        except (ValueError, TypeError) as exc:
            return failed("bad-key-file", path=str(path), problem=str(exc) or type(exc).__name__)
        mine = key.public_key().public_numbers()
        dist, _ = _ours(ctx)
        trusted = set((behavior_for(dist, _path(ctx)).get("TrustedKeyGroups") or {}).get("Items") or [])
        for group in _key_groups(ctx):
            if group["id"] not in trusted:
                continue
            for public in _public_keys(ctx):
                if public["id"] in group["items"] and public["bits"] and \
                        signing.load_public_key(public["pem"]).public_numbers() == mine:
                    return public["id"], key
        return failed("key-mismatch", path=str(path))
    return ctx.memoised("cf:signing-key", look_up)


def _signed(ctx: CheckContext, expires: int) -> str | object:
    found = _signing_key(ctx)
    if not isinstance(found, tuple):
        return found
    key_pair_id, key = found
    return signing.canned_url(_url(ctx), key_pair_id, key, expires)


def signed_url_serves_object(ctx: CheckContext):
    url = _signed(ctx, int(time.time()) + SIGNED_URL_LIFETIME_S)
    if not isinstance(url, str):
        return url
    response = ctx.emulator.edge(url)
    if response.status_code != 200:
        return failed("refused", status=response.status_code, code=_error_code(response),
                      reason=_edge_reason(ctx, response), debug=url)
    stored = ctx.client("s3").get_object(Bucket=ctx.names["bucket"], Key=ctx.names["object"])["Body"].read()
    x_cache = response.headers.get("X-Cache", "-")
    if response.content != stored:
        key = "stale" if x_cache.startswith("Hit") else "wrong-body"
        return failed(key, size=len(response.content), stored=len(stored), x_cache=x_cache)
    key_pair_id = _signing_key(ctx)[0]
    return passed(key_id=key_pair_id, size=len(stored), x_cache=x_cache,
                  type=response.headers.get("Content-Type", "-"))


def expired_url_refused(ctx: CheckContext):
    url = _signed(ctx, int(time.time()) - 60)
    response = ctx.emulator.edge(url)
    if response.status_code == 200:
        return failed("served")
    return passed(status=response.status_code, code=_error_code(response))


def tampered_url_refused(ctx: CheckContext):
    url = _signed(ctx, int(time.time()) + SIGNED_URL_LIFETIME_S)
    # Change one character of the signature, as someone editing a shared link would.
    head, signature = url.split("&Signature=", 1)
    value, rest = signature.split("&", 1)
    tampered_value = ("B" if value[0] == "A" else "A") + value[1:]
    response = ctx.emulator.edge(f"{head}&Signature={tampered_value}&{rest}")
    if response.status_code == 200:
        return failed("served")
    return passed(status=response.status_code, code=_error_code(response))
