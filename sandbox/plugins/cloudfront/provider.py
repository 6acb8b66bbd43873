"""awslab's CloudFront API: public keys, key groups, origin access identities and controls,
distributions, invalidations, tags, and the managed cache policies.

LocalStack 4.14 community has no CloudFront provider and no generated API classes for it; this
provider's dispatch table maps the operation names of botocore's service model (the same spec the
parser and serializer use; sandbox/plugins/spec_dispatch.py) to the methods below, each taking the parsed request dict and returning
the response dict. Behaviour follows the Amazon CloudFront API Reference:
- every resource has an ETag; Update*/Delete* need If-Match with the current one
  (InvalidIfMatchVersion when missing, PreconditionFailed when stale);
- CallerReference makes creates idempotent (same config: the same resource; different config:
  *AlreadyExists);
- a distribution answers InProgress right after a change and Deployed afterwards; it can only be
  deleted when disabled (DistributionNotDisabled);
- resources in use cannot be deleted (PublicKeyInUse, ResourceInUse, ...InUse).
Error messages are the API reference's error descriptions (the `documentation` of the error shapes
in botocore's model) unless a comment says otherwise.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from botocore.model import ListShape, Shape, StructureShape
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.skeleton import DispatchTable
from localstack.aws.spec import load_service
from localstack.state import StateVisitor

from sandbox.cloudfront import OAI_PREFIX, S3_WEBSITE_DOMAIN, cache_behaviors, oai_id, s3_bucket_of
from sandbox.plugins.spec_dispatch import spec_dispatch_table

from . import edge_cache
from .models import (
    Distribution,
    Invalidation,
    OriginAccessIdentity,
    Resource,
    cloudfront_stores,
    index_aliases,
    new_id,
    now,
    store_for,
)

API = "https://cloudfront.amazonaws.com/2020-05-31"

# CloudFront quotas (Developer Guide, "Quotas"): public keys and key groups per account, keys per group.
MAX_PUBLIC_KEYS = 10
MAX_KEY_GROUPS = 10
MAX_KEYS_PER_GROUP = 5
MAX_INVALIDATION_PATHS = 3000

# Managed cache policies (Developer Guide, "Use managed cache policies"): id -> (name, min, default, max TTL).
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": ("Managed-CachingOptimized", 1, 86400, 31536000),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": ("Managed-CachingDisabled", 0, 0, 0),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": ("Managed-CachingOptimizedForUncompressedObjects", 1, 86400, 31536000),
}

ALLOWED_METHOD_SETS = [
    {"GET", "HEAD"},
    {"GET", "HEAD", "OPTIONS"},
    {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
]

# Writes are read-check-write sequences (ETags, names, CallerReferences): one at a time.
_write_lock = threading.RLock()


@lru_cache(maxsize=1)
def service_model():
    return load_service("cloudfront")


def error(code: str, message: str | None = None) -> CommonServiceException:
    shape = service_model().shape_for(code)
    status = shape.metadata.get("error", {}).get("httpStatusCode", 400)
    if message is None:
        message = re.sub(r"<[^>]+>", "", shape.documentation or code).strip()
    return CommonServiceException(code, message, status_code=status, sender_fault=True)


# ---- generic request checks ---------------------------------------------------------------

def check_required(shape: Shape, value, path: str = "") -> None:
    """Required members of the request, recursively (a raw XML client may leave any out)."""
    if value is None:
        return
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                raise error("InvalidArgument", f"The parameter {name} is required.")
        for name, member in shape.members.items():
            if name in value:
                check_required(member, value[name], f"{path}.{name}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for item in value:
            check_required(shape.member, item, path)


def check_quantities(value) -> None:
    """Every {Quantity, Items} pair must agree (InconsistentQuantities)."""
    if isinstance(value, dict):
        if "Quantity" in value and isinstance(value["Quantity"], int):
            if value["Quantity"] != len(value.get("Items") or []):
                raise error("InconsistentQuantities")
        for child in value.values():
            check_quantities(child)
    elif isinstance(value, list):
        for child in value:
            check_quantities(child)


def _check_if_match(resource: Resource, if_match: str | None) -> None:
    if not if_match:
        raise error("InvalidIfMatchVersion")
    if if_match != resource.etag:
        raise error("PreconditionFailed")


def _listing(items: list, request: dict, summary, with_marker: bool) -> dict:
    """One page of a List* answer: `items` (oldest first) after the `Marker` item id, `MaxItems` of
    them. Some lists echo Marker and IsTruncated, others only NextMarker (API reference)."""
    limit = int(request.get("MaxItems") or 100)
    marker = request.get("Marker") or ""
    ids = [i.id for i in items]
    start = ids.index(marker) + 1 if marker in ids else (len(items) if marker else 0)
    page = items[start:start + limit]
    listing = {"MaxItems": limit, "Quantity": len(page), "Items": [summary(i) for i in page]}
    truncated = start + limit < len(items)
    if with_marker:
        listing.update(Marker=marker, IsTruncated=truncated)
    if truncated and page:
        listing["NextMarker"] = page[-1].id
    return listing


@dataclass(frozen=True)
class Kind:
    """How the API names one kind of resource: its store attribute, result shape, config member,
    URL path and errors."""
    store: str
    shape: str
    config: str
    path: str
    missing: str
    in_use: str = ""
    exists: str = ""
    listing: str = ""
    view: Callable[[Resource], dict] = field(default=lambda r: {})


PUBLIC_KEY = Kind("public_keys", "PublicKey", "PublicKeyConfig", "public-key", "NoSuchPublicKey", "PublicKeyInUse",
                  "PublicKeyAlreadyExists", "PublicKeyList",
                  lambda k: {"Id": k.id, "CreatedTime": k.created, "PublicKeyConfig": k.config})
KEY_GROUP = Kind("key_groups", "KeyGroup", "KeyGroupConfig", "key-group", "NoSuchResource", "ResourceInUse",
                 "KeyGroupAlreadyExists", "KeyGroupList",
                 lambda g: {"Id": g.id, "LastModifiedTime": g.modified, "KeyGroupConfig": g.config})
OAI = Kind("origin_access_identities", "CloudFrontOriginAccessIdentity", "CloudFrontOriginAccessIdentityConfig",
           "origin-access-identity/cloudfront", "NoSuchCloudFrontOriginAccessIdentity",
           "CloudFrontOriginAccessIdentityInUse", "CloudFrontOriginAccessIdentityAlreadyExists",
           "CloudFrontOriginAccessIdentityList",
           lambda o: {"Id": o.id, "S3CanonicalUserId": o.canonical_user_id,
                      "CloudFrontOriginAccessIdentityConfig": o.config})
OAC = Kind("origin_access_controls", "OriginAccessControl", "OriginAccessControlConfig", "origin-access-control",
           "NoSuchOriginAccessControl", "OriginAccessControlInUse", "OriginAccessControlAlreadyExists",
           "OriginAccessControlList", lambda o: {"Id": o.id, "OriginAccessControlConfig": o.config})


# ---- the provider -------------------------------------------------------------------------

class CloudFrontProvider:
    service = "cloudfront"

    def accept_state_visitor(self, visitor: StateVisitor) -> None:
        # awslab's per-account reset (admin plugin) drops the account from this bundle.
        visitor.visit(cloudfront_stores)

    def dispatch_table(self) -> DispatchTable:
        return spec_dispatch_table(self, "cloudfront", wrap=_dispatcher)

    # ---- what all resources share: get, config, update, delete, list ----------------------

    def _get(self, kind: "Kind", context: RequestContext, resource_id: str) -> Resource:
        found = getattr(store_for(context.account_id), kind.store).get(resource_id)
        if found is None:
            raise error(kind.missing)
        return found

    def _result(self, kind: "Kind", resource: Resource, created: bool = False) -> dict:
        result = {kind.shape: kind.view(resource), "ETag": resource.etag}
        if created:
            result["Location"] = f"{API}/{kind.path}/{resource.id}"
        return result

    def _config(self, kind: "Kind", context: RequestContext, request: dict) -> dict:
        found = self._get(kind, context, request["Id"])
        return {kind.config: found.config, "ETag": found.etag}

    def _update(self, kind: "Kind", context: RequestContext, request: dict, check) -> dict:
        """If-Match, then `check(resource, new config)` (raises what AWS refuses), then the change."""
        config = request[kind.config]
        with _write_lock:
            found = self._get(kind, context, request["Id"])
            _check_if_match(found, request.get("IfMatch"))
            check(found, config)
            found.touch(config)
        return self._result(kind, found)

    def _delete(self, kind: "Kind", context: RequestContext, request: dict, in_use) -> dict:
        """If-Match, then refuse with `kind.in_use` while `in_use(store, resource)`."""
        store = store_for(context.account_id)
        with _write_lock:
            found = self._get(kind, context, request["Id"])
            _check_if_match(found, request.get("IfMatch"))
            if in_use(store, found):
                raise error(kind.in_use)
            getattr(store, kind.store).pop(found.id, None)
        return {}

    def _list(self, kind: "Kind", context: RequestContext, request: dict, summary, with_marker: bool) -> dict:
        items = sorted(getattr(store_for(context.account_id), kind.store).values(), key=lambda r: r.created)
        return {kind.listing: _listing(items, request, summary, with_marker)}

    def _same_caller_reference(self, kind: "Kind", context: RequestContext, config: dict) -> Resource | None:
        """CallerReference makes a create idempotent: the same config returns the resource made
        before, another config is `kind.exists`."""
        for found in getattr(store_for(context.account_id), kind.store).values():
            if found.config["CallerReference"] == config["CallerReference"]:
                if found.config == config:
                    return found
                raise error(kind.exists)
        return None

    # ---- public keys ----------------------------------------------------------------------

    def create_public_key(self, context: RequestContext, request: dict) -> dict:
        config = request["PublicKeyConfig"]
        store = store_for(context.account_id)
        with _write_lock:
            key = self._same_caller_reference(PUBLIC_KEY, context, config)
            if key is None:
                if any(k.config["Name"] == config["Name"] for k in store.public_keys.values()):
                    raise error("PublicKeyAlreadyExists")
                if len(store.public_keys) >= MAX_PUBLIC_KEYS:
                    # The text CloudFront answers (quoted in hashicorp/terraform-provider-aws#36663).
                    raise error("TooManyPublicKeys", "Processing your request will cause you to exceed "
                                "the maximum number of CloudFront public keys allowed.")
                validate_public_key(config["EncodedKey"])
                key = Resource(id=new_id("K"), config=config)
                store.public_keys[key.id] = key
        return self._result(PUBLIC_KEY, key, created=True)

    def get_public_key(self, context: RequestContext, request: dict) -> dict:
        return self._result(PUBLIC_KEY, self._get(PUBLIC_KEY, context, request["Id"]))

    def get_public_key_config(self, context: RequestContext, request: dict) -> dict:
        return self._config(PUBLIC_KEY, context, request)

    def update_public_key(self, context: RequestContext, request: dict) -> dict:
        def check(key: Resource, config: dict) -> None:
            if any(config.get(f) != key.config.get(f) for f in ("EncodedKey", "CallerReference", "Name")):
                # Only the comment of a public key can change (API reference, UpdatePublicKey).
                raise error("CannotChangeImmutablePublicKeyFields")
        return self._update(PUBLIC_KEY, context, request, check)

    def delete_public_key(self, context: RequestContext, request: dict) -> dict:
        return self._delete(PUBLIC_KEY, context, request, lambda store, key: any(
            key.id in group.config.get("Items", []) for group in store.key_groups.values()))

    def list_public_keys(self, context: RequestContext, request: dict) -> dict:
        return self._list(PUBLIC_KEY, context, request, lambda k: {
            "Id": k.id, "Name": k.config["Name"], "CreatedTime": k.created,
            "EncodedKey": k.config["EncodedKey"], "Comment": k.config.get("Comment", "")}, with_marker=False)

    # ---- key groups -----------------------------------------------------------------------

    def _check_key_group_config(self, context: RequestContext, config: dict, own_id: str | None = None) -> None:
        store = store_for(context.account_id)
        items = config.get("Items") or []
        if not items:
            raise error("InvalidArgument", "A key group needs at least one public key.")
        if len(items) > MAX_KEYS_PER_GROUP:
            raise error("TooManyPublicKeysInKeyGroup")
        for key_id in items:
            if key_id not in store.public_keys:
                # CreateKeyGroup lists no NoSuchPublicKey error: AWS answers InvalidArgument.
                raise error("InvalidArgument", f"The public key {key_id} does not exist.")
        for group in store.key_groups.values():
            if group.id != own_id and group.config["Name"] == config["Name"]:
                raise error("KeyGroupAlreadyExists")

    def create_key_group(self, context: RequestContext, request: dict) -> dict:
        config = request["KeyGroupConfig"]
        store = store_for(context.account_id)
        with _write_lock:
            self._check_key_group_config(context, config)
            if len(store.key_groups) >= MAX_KEY_GROUPS:
                raise error("TooManyKeyGroups")
            group = Resource(id=str(uuid.uuid4()), config=config)
            store.key_groups[group.id] = group
        return self._result(KEY_GROUP, group, created=True)

    def get_key_group(self, context: RequestContext, request: dict) -> dict:
        return self._result(KEY_GROUP, self._get(KEY_GROUP, context, request["Id"]))

    def get_key_group_config(self, context: RequestContext, request: dict) -> dict:
        return self._config(KEY_GROUP, context, request)

    def update_key_group(self, context: RequestContext, request: dict) -> dict:
        return self._update(KEY_GROUP, context, request,
                            lambda group, config: self._check_key_group_config(context, config, own_id=group.id))

    def delete_key_group(self, context: RequestContext, request: dict) -> dict:
        return self._delete(KEY_GROUP, context, request, lambda store, group: any(
            group.id in _trusted_key_groups(d.config) for d in store.distributions.values()))

    def list_key_groups(self, context: RequestContext, request: dict) -> dict:
        return self._list(KEY_GROUP, context, request, lambda g: {"KeyGroup": KEY_GROUP.view(g)}, with_marker=False)

    # ---- origin access identities ---------------------------------------------------------

    def create_cloud_front_origin_access_identity(self, context: RequestContext, request: dict) -> dict:
        config = request["CloudFrontOriginAccessIdentityConfig"]
        with _write_lock:
            oai = self._same_caller_reference(OAI, context, config)
            if oai is None:
                oai = OriginAccessIdentity(id=new_id("E"), config=config)
                store_for(context.account_id).origin_access_identities[oai.id] = oai
        return self._result(OAI, oai, created=True)

    def get_cloud_front_origin_access_identity(self, context: RequestContext, request: dict) -> dict:
        return self._result(OAI, self._get(OAI, context, request["Id"]))

    def get_cloud_front_origin_access_identity_config(self, context: RequestContext, request: dict) -> dict:
        return self._config(OAI, context, request)

    def update_cloud_front_origin_access_identity(self, context: RequestContext, request: dict) -> dict:
        def check(oai: Resource, config: dict) -> None:
            if config["CallerReference"] != oai.config["CallerReference"]:
                raise error("IllegalUpdate")
        return self._update(OAI, context, request, check)

    def delete_cloud_front_origin_access_identity(self, context: RequestContext, request: dict) -> dict:
        return self._delete(OAI, context, request, lambda store, oai: any(
            oai_id(o.get("S3OriginConfig")) == oai.id
            for d in store.distributions.values() for o in d.config["Origins"]["Items"]))

    def list_cloud_front_origin_access_identities(self, context: RequestContext, request: dict) -> dict:
        return self._list(OAI, context, request, lambda o: {
            "Id": o.id, "S3CanonicalUserId": o.canonical_user_id, "Comment": o.config.get("Comment", "")},
            with_marker=True)

    # ---- origin access controls -----------------------------------------------------------

    def _check_oac_config(self, context: RequestContext, config: dict, own_id: str | None = None) -> None:
        if config["SigningProtocol"] != "sigv4":
            raise error("InvalidArgument", "SigningProtocol must be sigv4.")
        if config["SigningBehavior"] not in ("never", "always", "no-override"):
            raise error("InvalidArgument", "SigningBehavior must be never, always or no-override.")
        for oac in store_for(context.account_id).origin_access_controls.values():
            if oac.id != own_id and oac.config["Name"] == config["Name"]:
                raise error("OriginAccessControlAlreadyExists")

    def create_origin_access_control(self, context: RequestContext, request: dict) -> dict:
        config = request["OriginAccessControlConfig"]
        with _write_lock:
            self._check_oac_config(context, config)
            oac = Resource(id=new_id("E"), config=config)
            store_for(context.account_id).origin_access_controls[oac.id] = oac
        return self._result(OAC, oac, created=True)

    def get_origin_access_control(self, context: RequestContext, request: dict) -> dict:
        return self._result(OAC, self._get(OAC, context, request["Id"]))

    def get_origin_access_control_config(self, context: RequestContext, request: dict) -> dict:
        return self._config(OAC, context, request)

    def update_origin_access_control(self, context: RequestContext, request: dict) -> dict:
        return self._update(OAC, context, request,
                            lambda oac, config: self._check_oac_config(context, config, own_id=oac.id))

    def delete_origin_access_control(self, context: RequestContext, request: dict) -> dict:
        return self._delete(OAC, context, request, lambda store, oac: any(
            o.get("OriginAccessControlId") == oac.id
            for d in store.distributions.values() for o in d.config["Origins"]["Items"]))

    def list_origin_access_controls(self, context: RequestContext, request: dict) -> dict:
        return self._list(OAC, context, request, lambda o: {
            "Id": o.id, "Description": o.config.get("Description", ""),
            **{k: o.config[k] for k in ("Name", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType")}},
            with_marker=True)

    # ---- distributions --------------------------------------------------------------------

    def create_distribution(self, context: RequestContext, request: dict) -> dict:
        return self._create_distribution(context, request["DistributionConfig"], {})

    def create_distribution_with_tags(self, context: RequestContext, request: dict) -> dict:
        with_tags = request["DistributionConfigWithTags"]
        tags = {t["Key"]: t.get("Value", "") for t in (with_tags.get("Tags") or {}).get("Items") or []}
        return self._create_distribution(context, with_tags["DistributionConfig"], tags)

    def _create_distribution(self, context: RequestContext, config: dict, tags: dict) -> dict:
        store = store_for(context.account_id)
        with _write_lock:
            if any(d.config["CallerReference"] == config["CallerReference"] for d in store.distributions.values()):
                raise error("DistributionAlreadyExists")
            config = normalize_distribution_config(config)
            validate_distribution_config(context.account_id, config)
            dist = Distribution(id=new_id("E"), config=config, tags=tags)
            store.distributions[dist.id] = dist
            index_aliases(context.account_id, dist, dist.id)
            result = {"Distribution": self._distribution_view(context, dist), "ETag": dist.etag,
                      "Location": f"{API}/distribution/{dist.id}"}
            dist.status = "Deployed"
        return result

    def _distribution(self, context: RequestContext, dist_id: str) -> Distribution:
        dist = store_for(context.account_id).distributions.get(dist_id)
        if dist is None:
            raise error("NoSuchDistribution")
        return dist

    def _distribution_view(self, context: RequestContext, dist: Distribution) -> dict:
        return {
            "Id": dist.id,
            "ARN": distribution_arn(context.account_id, dist.id),
            "Status": dist.status,
            "LastModifiedTime": dist.modified,
            "InProgressInvalidationBatches": sum(1 for i in dist.invalidations.values() if i.status == "InProgress"),
            "DomainName": dist.domain,
            "ActiveTrustedSigners": _active_trusted_signers(dist.config),
            "ActiveTrustedKeyGroups": self._active_trusted_key_groups(context, dist.config),
            "DistributionConfig": dist.config,
        }

    def _active_trusted_key_groups(self, context: RequestContext, config: dict) -> dict:
        store = store_for(context.account_id)
        items = []
        for group_id in _trusted_key_groups(config):
            group = store.key_groups.get(group_id)
            key_ids = group.config.get("Items", []) if group else []
            items.append({"KeyGroupId": group_id, "KeyPairIds": {"Quantity": len(key_ids), "Items": key_ids}})
        return {"Enabled": bool(items), "Quantity": len(items), "Items": items}

    def get_distribution(self, context: RequestContext, request: dict) -> dict:
        dist = self._distribution(context, request["Id"])
        return {"Distribution": self._distribution_view(context, dist), "ETag": dist.etag}

    def get_distribution_config(self, context: RequestContext, request: dict) -> dict:
        dist = self._distribution(context, request["Id"])
        return {"DistributionConfig": dist.config, "ETag": dist.etag}

    def update_distribution(self, context: RequestContext, request: dict) -> dict:
        with _write_lock:
            dist = self._distribution(context, request["Id"])
            _check_if_match(dist, request.get("IfMatch"))
            config = normalize_distribution_config(request["DistributionConfig"])
            if config["CallerReference"] != dist.config["CallerReference"]:
                raise error("IllegalUpdate")
            validate_distribution_config(context.account_id, config, own_id=dist.id)
            dist.touch(config)
            index_aliases(context.account_id, dist, dist.id)
            dist.status = "InProgress"
            result = {"Distribution": self._distribution_view(context, dist), "ETag": dist.etag}
            dist.status = "Deployed"
        return result

    def delete_distribution(self, context: RequestContext, request: dict) -> dict:
        store = store_for(context.account_id)
        with _write_lock:
            dist = self._distribution(context, request["Id"])
            _check_if_match(dist, request.get("IfMatch"))
            if dist.config.get("Enabled"):
                raise error("DistributionNotDisabled")
            store.distributions.pop(dist.id, None)
            index_aliases(context.account_id, None, dist.id)
        edge_cache.purge(dist.id)
        return {}

    def list_distributions(self, context: RequestContext, request: dict) -> dict:
        dists = sorted(store_for(context.account_id).distributions.values(), key=lambda d: d.created)
        summary_members = service_model().shape_for("DistributionSummary").members

        def summary(dist: Distribution) -> dict:
            view = self._distribution_view(context, dist)
            found = {k: v for k, v in dist.config.items() if k in summary_members}
            found.update({k: view[k] for k in ("Id", "ARN", "Status", "LastModifiedTime", "DomainName")})
            return {**found, "ETag": dist.etag, "AliasICPRecordals": []}

        return {"DistributionList": _listing(dists, request, summary, with_marker=True)}

    # ---- invalidations --------------------------------------------------------------------

    def create_invalidation(self, context: RequestContext, request: dict) -> dict:
        batch = request["InvalidationBatch"]
        paths = batch["Paths"].get("Items") or []
        if len(paths) > MAX_INVALIDATION_PATHS:
            raise error("BatchTooLarge")
        if not paths or any(not p.startswith("/") for p in paths):
            # awslab's text: the API reference documents only the code for a bad path.
            raise error("InvalidArgument", "Each invalidation path must begin with a slash (/).")
        with _write_lock:
            dist = self._distribution(context, request["DistributionId"])
            for existing in dist.invalidations.values():
                if existing.batch["CallerReference"] == batch["CallerReference"]:
                    return {"Invalidation": _invalidation_view(existing),
                            "Location": f"{API}/distribution/{dist.id}/invalidation/{existing.id}"}
            invalidation = Invalidation(id=new_id("I"), batch=batch)
            dist.invalidations[invalidation.id] = invalidation
            result = {"Invalidation": _invalidation_view(invalidation),
                      "Location": f"{API}/distribution/{dist.id}/invalidation/{invalidation.id}"}
            edge_cache.invalidate(dist.id, paths)
            invalidation.status = "Completed"
        return result

    def get_invalidation(self, context: RequestContext, request: dict) -> dict:
        dist = self._distribution(context, request["DistributionId"])
        invalidation = dist.invalidations.get(request["Id"])
        if invalidation is None:
            raise error("NoSuchInvalidation")
        return {"Invalidation": _invalidation_view(invalidation)}

    def list_invalidations(self, context: RequestContext, request: dict) -> dict:
        dist = self._distribution(context, request["DistributionId"])
        invalidations = sorted(dist.invalidations.values(), key=lambda i: i.created, reverse=True)
        return {"InvalidationList": _listing(invalidations, request, lambda i: {
            "Id": i.id, "CreateTime": i.created, "Status": i.status}, with_marker=True)}

    # ---- tags -----------------------------------------------------------------------------

    def _tagged(self, context: RequestContext, arn: str) -> Distribution:
        match = re.fullmatch(r"arn:aws:cloudfront::(\d{12}):distribution/(\w+)", arn or "")
        dist = store_for(context.account_id).distributions.get(match.group(2)) if match else None
        if dist is None or match.group(1) != context.account_id:
            raise error("NoSuchResource")
        return dist

    def list_tags_for_resource(self, context: RequestContext, request: dict) -> dict:
        dist = self._tagged(context, request["Resource"])
        return {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in dist.tags.items()]}}

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        with _write_lock:
            dist = self._tagged(context, request["Resource"])
            for tag in request["Tags"].get("Items") or []:
                dist.tags[tag["Key"]] = tag.get("Value", "")
        return {}

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        with _write_lock:
            dist = self._tagged(context, request["Resource"])
            for key in request["TagKeys"].get("Items") or []:
                dist.tags.pop(key, None)
        return {}

    # ---- managed cache policies (read only) ------------------------------------------------

    def get_cache_policy(self, context: RequestContext, request: dict) -> dict:
        if request["Id"] not in MANAGED_CACHE_POLICIES:
            raise error("NoSuchCachePolicy")
        return {"CachePolicy": _cache_policy(request["Id"]), "ETag": "E23ZP02F085DFQ"}

    def get_cache_policy_config(self, context: RequestContext, request: dict) -> dict:
        if request["Id"] not in MANAGED_CACHE_POLICIES:
            raise error("NoSuchCachePolicy")
        return {"CachePolicyConfig": _cache_policy(request["Id"])["CachePolicyConfig"], "ETag": "E23ZP02F085DFQ"}

    def list_cache_policies(self, context: RequestContext, request: dict) -> dict:
        ids = [] if request.get("Type") == "custom" else list(MANAGED_CACHE_POLICIES)
        return {"CachePolicyList": {"MaxItems": 100, "Quantity": len(ids), "Items": [
            {"Type": "managed", "CachePolicy": _cache_policy(i)} for i in ids]}}


def _dispatcher(operation: str, method):
    input_shape = service_model().operation_model(operation).input_shape

    def handle(context: RequestContext, request: dict | None):
        request = request or {}
        if input_shape is not None:
            check_required(input_shape, request)
        check_quantities(request)
        return method(context, copy.deepcopy(request))

    return handle


def distribution_arn(account_id: str, dist_id: str) -> str:
    return f"arn:aws:cloudfront::{account_id}:distribution/{dist_id}"


def _invalidation_view(invalidation: Invalidation) -> dict:
    return {"Id": invalidation.id, "Status": invalidation.status, "CreateTime": invalidation.created,
            "InvalidationBatch": invalidation.batch}


def _cache_policy(policy_id: str) -> dict:
    name, min_ttl, default_ttl, max_ttl = MANAGED_CACHE_POLICIES[policy_id]
    caching = max_ttl > 0
    return {"Id": policy_id, "LastModifiedTime": now().replace(year=2020, month=1, day=1),
            "CachePolicyConfig": {
                "Name": name, "Comment": "", "MinTTL": min_ttl, "DefaultTTL": default_ttl, "MaxTTL": max_ttl,
                "ParametersInCacheKeyAndForwardedToOrigin": {
                    "EnableAcceptEncodingGzip": caching, "EnableAcceptEncodingBrotli": caching,
                    "HeadersConfig": {"HeaderBehavior": "none"},
                    "CookiesConfig": {"CookieBehavior": "none"},
                    "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}


def _trusted_key_groups(config: dict) -> list[str]:
    ids: list[str] = []
    for behavior in cache_behaviors(config):
        groups = behavior.get("TrustedKeyGroups") or {}
        if groups.get("Enabled"):
            ids += [g for g in groups.get("Items") or [] if g not in ids]
    return ids


def _active_trusted_signers(config: dict) -> dict:
    accounts: list[str] = []
    for behavior in cache_behaviors(config):
        signers = behavior.get("TrustedSigners") or {}
        if signers.get("Enabled"):
            accounts += [a for a in signers.get("Items") or [] if a not in accounts]
    # No CloudFront key pairs can exist here (only the root user can make them, in the console).
    items = [{"AwsAccountNumber": a, "KeyPairIds": {"Quantity": 0, "Items": []}} for a in accounts]
    return {"Enabled": bool(items), "Quantity": len(items), "Items": items}


# ---- validation ---------------------------------------------------------------------------

def validate_public_key(encoded_key: str) -> None:
    """A PEM-encoded RSA public key (CloudFront Developer Guide, "Create a key pair for a trusted
    key group"). The code is the API reference's; AWS does not document the message."""
    try:
        key = serialization.load_pem_public_key(encoded_key.encode())
    except (ValueError, TypeError):
        raise error("InvalidArgument", "The parameter EncodedKey is not a PEM-encoded public key "
                    "(-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----).") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise error("InvalidArgument", "The parameter EncodedKey must be an RSA public key.")


def _defaults_for_behavior(behavior: dict) -> None:
    behavior.setdefault("TrustedSigners", {"Enabled": False, "Quantity": 0})
    behavior.setdefault("TrustedKeyGroups", {"Enabled": False, "Quantity": 0})
    methods = behavior.setdefault("AllowedMethods", {"Quantity": 2, "Items": ["HEAD", "GET"]})
    methods.setdefault("CachedMethods", {"Quantity": 2, "Items": ["HEAD", "GET"]})
    behavior.setdefault("SmoothStreaming", False)
    behavior.setdefault("Compress", False)
    behavior.setdefault("LambdaFunctionAssociations", {"Quantity": 0})
    behavior.setdefault("FunctionAssociations", {"Quantity": 0})
    behavior.setdefault("FieldLevelEncryptionId", "")
    if "ForwardedValues" in behavior:
        behavior.setdefault("DefaultTTL", 86400)
        behavior.setdefault("MaxTTL", 31536000)


def normalize_distribution_config(config: dict) -> dict:
    """The config with the defaults CloudFront fills in and echoes back."""
    config = copy.deepcopy(config)
    config.setdefault("Aliases", {"Quantity": 0})
    config.setdefault("DefaultRootObject", "")
    config.setdefault("OriginGroups", {"Quantity": 0})
    config.setdefault("CacheBehaviors", {"Quantity": 0})
    config.setdefault("CustomErrorResponses", {"Quantity": 0})
    config.setdefault("Logging", {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""})
    config.setdefault("PriceClass", "PriceClass_All")
    config.setdefault("ViewerCertificate", {"CloudFrontDefaultCertificate": True, "SSLSupportMethod": "vip",
                                            "MinimumProtocolVersion": "TLSv1", "CertificateSource": "cloudfront"})
    config.setdefault("Restrictions", {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}})
    config.setdefault("WebACLId", "")
    config.setdefault("HttpVersion", "http2")
    config.setdefault("IsIPV6Enabled", True)
    config.setdefault("Staging", False)
    for origin in config["Origins"].get("Items") or []:
        origin.setdefault("OriginPath", "")
        origin.setdefault("CustomHeaders", {"Quantity": 0})
        origin.setdefault("ConnectionAttempts", 3)
        origin.setdefault("ConnectionTimeout", 10)
        origin.setdefault("OriginShield", {"Enabled": False})
        origin.setdefault("OriginAccessControlId", "")
    for behavior in cache_behaviors(config):
        _defaults_for_behavior(behavior)
    return config


def validate_distribution_config(account_id: str, config: dict, own_id: str | None = None) -> None:
    store = store_for(account_id)
    origins = config["Origins"].get("Items") or []
    if not origins:
        raise error("InvalidArgument", "A distribution needs at least one origin.")
    origin_ids = [o["Id"] for o in origins]
    if len(set(origin_ids)) != len(origin_ids):
        raise error("InvalidArgument", "Origin Ids must be unique within a distribution.")
    for origin in origins:
        _validate_origin(store, origin)
    for behavior in cache_behaviors(config):
        _validate_behavior(store, behavior, origin_ids)
    root = config.get("DefaultRootObject") or ""
    if root.startswith("/") or len(root) > 255:
        raise error("InvalidDefaultRootObject")
    aliases = config["Aliases"].get("Items") or []
    if aliases:
        certificate = config.get("ViewerCertificate") or {}
        if not (certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId")):
            # The text CloudFront answers (its Developer Guide links the requirements page).
            raise error("InvalidViewerCertificate", "To add an alternate domain name (CNAME) to a CloudFront "
                        "distribution, you must attach a trusted certificate that validates your authorization "
                        "to use the domain name. For more details, see: https://docs.aws.amazon.com/"
                        "AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-requirements")
        for other_account, region_bundle in list(cloudfront_stores.items()):
            other_store = region_bundle.get("us-east-1")
            for other in list(other_store.distributions.values()) if other_store else []:
                if other.id != own_id and set(aliases) & set(other.config["Aliases"].get("Items") or []):
                    raise error("CNAMEAlreadyExists")


def _validate_origin(store, origin: dict) -> None:
    kinds = [k for k in ("S3OriginConfig", "CustomOriginConfig", "VpcOriginConfig") if origin.get(k) is not None]
    if len(kinds) != 1:
        raise error("InvalidArgument", "Exactly one of S3OriginConfig, CustomOriginConfig and "
                    "VpcOriginConfig must be given for an origin.")
    path = origin.get("OriginPath") or ""
    if path and (not path.startswith("/") or path.endswith("/")):
        raise error("InvalidArgument", "The parameter origin path must begin with a slash and must not end with one.")
    oac_id = origin.get("OriginAccessControlId") or ""
    if oac_id and S3_WEBSITE_DOMAIN.search(origin["DomainName"]):
        raise error("InvalidDomainNameForOriginAccessControl")
    if kinds[0] == "S3OriginConfig":
        if s3_bucket_of(origin["DomainName"]) is None:
            raise error("InvalidOrigin")
        oai = origin["S3OriginConfig"].get("OriginAccessIdentity") or ""
        if oai:
            if not oai.startswith(OAI_PREFIX) or oai[len(OAI_PREFIX):] not in store.origin_access_identities:
                raise error("InvalidOriginAccessIdentity")
            if oac_id:
                raise error("IllegalOriginAccessConfiguration")
    if oac_id and oac_id not in store.origin_access_controls:
        raise error("NoSuchOriginAccessControl")


def _validate_behavior(store, behavior: dict, origin_ids: list[str]) -> None:
    if behavior["TargetOriginId"] not in origin_ids:
        raise error("NoSuchOrigin")
    if behavior["ViewerProtocolPolicy"] not in ("allow-all", "https-only", "redirect-to-https"):
        raise error("InvalidArgument", "ViewerProtocolPolicy must be allow-all, https-only or redirect-to-https.")
    policy_id = behavior.get("CachePolicyId")
    if policy_id and behavior.get("ForwardedValues") is not None:
        raise error("InvalidArgument", "The parameter ForwardedValues cannot be used when a cache policy "
                    "is associated to the cache behavior.")
    if policy_id:
        if policy_id not in MANAGED_CACHE_POLICIES:
            raise error("NoSuchCachePolicy")
    else:
        if behavior.get("ForwardedValues") is None:
            raise error("InvalidArgument", "The parameter ForwardedValues is required.")
        if behavior.get("MinTTL") is None:
            raise error("InvalidArgument", "The parameter MinTTL is required.")
        if not behavior["MinTTL"] <= behavior["DefaultTTL"] <= behavior["MaxTTL"]:
            raise error("InvalidTTLOrder")
    methods = set(behavior["AllowedMethods"].get("Items") or [])
    if methods not in ALLOWED_METHOD_SETS:
        raise error("InvalidArgument", "AllowedMethods must be [GET, HEAD], [GET, HEAD, OPTIONS] or all seven methods.")
    key_groups = behavior["TrustedKeyGroups"]
    signers = behavior["TrustedSigners"]
    if key_groups.get("Enabled") and signers.get("Enabled"):
        raise error("InvalidArgument", "A cache behavior can trust key groups or trusted signers, not both.")
    if key_groups.get("Enabled") and not key_groups.get("Items"):
        raise error("InvalidArgument", "TrustedKeyGroups is enabled but names no key group.")
    for group_id in key_groups.get("Items") or []:
        if group_id not in store.key_groups:
            raise error("TrustedKeyGroupDoesNotExist")
    for account in signers.get("Items") or []:
        if account != "self" and not re.fullmatch(r"\d{12}", account):
            raise error("TrustedSignerDoesNotExist")
