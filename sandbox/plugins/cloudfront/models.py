"""The CloudFront state of each account, kept in a LocalStack store so that the state visitors
(awslab's per-account reset) reach it. CloudFront is a global service: one store per account, under
the region its API is signed for (us-east-1)."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone

from localstack.services.stores import AccountRegionBundle, BaseStore, CrossRegionAttribute

GLOBAL_REGION = "us-east-1"

# Resource ids look like CloudFront's: 14 upper-case characters with a type letter in front
# (E... distributions, OAIs, OACs and ETags, K... public keys, I... invalidations), domain names
# d + 13 lower-case characters (CloudFront Developer Guide examples: E2QWRUHAPOMQZL, d111111abcdef8).
_ID_ALPHABET = string.ascii_uppercase + string.digits
_rng = random.SystemRandom()


def new_id(prefix: str) -> str:
    return prefix + "".join(_rng.choice(_ID_ALPHABET) for _ in range(13))


def new_domain() -> str:
    return "d" + "".join(_rng.choice(string.ascii_lowercase + string.digits) for _ in range(13)) + ".cloudfront.net"


def new_canonical_user_id() -> str:
    return "".join(_rng.choice("0123456789abcdef") for _ in range(96))


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Resource:
    id: str
    config: dict
    etag: str = field(default_factory=lambda: new_id("E"))
    created: datetime = field(default_factory=now)
    modified: datetime = field(default_factory=now)

    def touch(self, config: dict) -> None:
        self.config = config
        self.etag = new_id("E")
        self.modified = now()


@dataclass
class Distribution(Resource):
    domain: str = field(default_factory=new_domain)
    # InProgress while a change "propagates"; the first read after the write sees Deployed, so
    # `aws cloudfront wait distribution-deployed` returns at its first poll.
    status: str = "InProgress"
    tags: dict[str, str] = field(default_factory=dict)
    invalidations: dict[str, "Invalidation"] = field(default_factory=dict)


@dataclass
class OriginAccessIdentity(Resource):
    canonical_user_id: str = field(default_factory=new_canonical_user_id)


@dataclass
class Invalidation:
    id: str
    batch: dict
    created: datetime = field(default_factory=now)
    status: str = "InProgress"


class CloudFrontStore(BaseStore):
    distributions: dict[str, Distribution] = CrossRegionAttribute(default=dict)
    public_keys: dict[str, Resource] = CrossRegionAttribute(default=dict)
    key_groups: dict[str, Resource] = CrossRegionAttribute(default=dict)
    origin_access_identities: dict[str, OriginAccessIdentity] = CrossRegionAttribute(default=dict)
    origin_access_controls: dict[str, Resource] = CrossRegionAttribute(default=dict)


cloudfront_stores: AccountRegionBundle[CloudFrontStore] = AccountRegionBundle(
    "cloudfront", CloudFrontStore, validate=False
)


def store_for(account_id: str) -> CloudFrontStore:
    return cloudfront_stores[account_id][GLOBAL_REGION]


def find_distribution(distribution_id: str) -> tuple[str, Distribution] | None:
    """(account, distribution) for a distribution id or the first label of its domain name
    (d111111abcdef8), in any account (the edge knows no account). Looks at existing stores only, so
    it never creates an account's store."""
    wanted = distribution_id.lower()
    for account_id, region_bundle in list(cloudfront_stores.items()):
        store = region_bundle.get(GLOBAL_REGION)
        if store is None:
            continue
        for dist in list(store.distributions.values()):
            if dist.id.lower() == wanted or dist.domain.split(".", 1)[0] == wanted:
                return account_id, dist
    return None


# Alternate domain name (CNAME) -> (account, distribution id): the edge routes by Host header
# without scanning every account on each request. Kept by the provider; verified on use.
_aliases: dict[str, tuple[str, str]] = {}


def index_aliases(account_id: str, dist: Distribution | None, dist_id: str) -> None:
    """Re-index one distribution's aliases after a create, update (dist) or delete (dist None)."""
    for alias, (_, known_id) in list(_aliases.items()):
        if known_id == dist_id:
            _aliases.pop(alias, None)
    if dist is not None:
        for alias in dist.config.get("Aliases", {}).get("Items") or []:
            _aliases[alias.lower()] = (account_id, dist_id)


def drop_account_aliases(account_id: str) -> None:
    for alias, (owner, _) in list(_aliases.items()):
        if owner == account_id:
            _aliases.pop(alias, None)


def find_alias(host: str) -> tuple[str, Distribution] | None:
    known = _aliases.get(host)
    if known is None or known[0] not in cloudfront_stores:
        return None
    store = cloudfront_stores[known[0]].get(GLOBAL_REGION)
    dist = store.distributions.get(known[1]) if store else None
    return (known[0], dist) if dist is not None else None
