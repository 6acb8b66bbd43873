"""Builds CloudFront set-ups in a test account with boto3 (the tests of the API, the edge and the
scenario share it): a bucket with an object, a key pair registered in a key group, an OAI, a bucket
policy and a distribution, each part optional so tests can leave one out or change it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox import cloudfront_signing as cfs
from sandbox.cloudfront import OAI_PRINCIPAL

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
_KEYS: list = []


def rsa_key(index: int = 0) -> rsa.RSAPrivateKey:
    """Test keys are costly to make (~0.1 s each): a few are made once per session and reused."""
    while len(_KEYS) <= index:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[index]


@dataclass
class Setup:
    account: object
    bucket: str
    key: str = "hane.jpg"
    body: bytes = b"\xff\xd8 jpeg bytes \xff\xd9"
    private_key: rsa.RSAPrivateKey | None = None
    public_key_id: str | None = None
    key_group_id: str | None = None
    oai_id: str | None = None
    oai_canonical: str | None = None
    distribution: dict = field(default_factory=dict)

    @property
    def cf(self):
        return self.account.client("cloudfront")

    @property
    def s3(self):
        return self.account.client("s3")

    @property
    def domain(self) -> str:
        return self.distribution["DomainName"]

    def url(self, path: str | None = None) -> str:
        return f"https://{self.domain}/{self.key if path is None else path}"

    def signed(self, path: str | None = None, expires_in: int = 300) -> str:
        import time
        return cfs.canned_url(self.url(path), self.public_key_id, self.private_key, int(time.time()) + expires_in)

    def put_policy(self, *statements: dict) -> None:
        self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))

    def oai_statement(self, oai_id: str | None = None, action="s3:GetObject", resource=None) -> dict:
        return {"Sid": "oai", "Effect": "Allow", "Principal": {"AWS": OAI_PRINCIPAL.format(oai_id or self.oai_id)},
                "Action": action, "Resource": resource or f"arn:aws:s3:::{self.bucket}/*"}


def origin_config(setup: Setup, oai: bool = True, oac_id: str = "") -> dict:
    origin = {"Id": "s3-origin", "DomainName": f"{setup.bucket}.s3.ap-northeast-1.amazonaws.com",
              "S3OriginConfig": {"OriginAccessIdentity": f"origin-access-identity/cloudfront/{setup.oai_id}" if oai else ""}}
    if oac_id:
        origin["OriginAccessControlId"] = oac_id
    return origin


def distribution_config(setup: Setup, *, restrict: bool = True, oai: bool = True, oac_id: str = "", **extra) -> dict:
    behavior = {"TargetOriginId": "s3-origin", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": CACHING_OPTIMIZED}
    if restrict:
        behavior["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": [setup.key_group_id]}
    return {"CallerReference": uuid.uuid4().hex, "Comment": "test", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin_config(setup, oai=oai, oac_id=oac_id)]},
            "DefaultCacheBehavior": behavior, **extra}


def build(account, *, suffix: str = "cf", bucket: str | None = None, policy: bool = True, restrict: bool = True,
          oai: bool = True, key_index: int = 0, **distribution_extra) -> Setup:
    setup = Setup(account=account, bucket=bucket or f"{account.account_id}-{suffix}")
    setup.s3.create_bucket(Bucket=setup.bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    setup.s3.put_object(Bucket=setup.bucket, Key=setup.key, Body=setup.body, ContentType="image/jpeg")
    setup.private_key = rsa_key(key_index)
    setup.public_key_id = setup.cf.create_public_key(PublicKeyConfig={
        "CallerReference": uuid.uuid4().hex, "Name": f"key-{suffix}", "EncodedKey": cfs.public_pem(setup.private_key),
        "Comment": ""})["PublicKey"]["Id"]
    setup.key_group_id = setup.cf.create_key_group(KeyGroupConfig={
        "Name": f"group-{suffix}", "Items": [setup.public_key_id]})["KeyGroup"]["Id"]
    identity = setup.cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={
        "CallerReference": uuid.uuid4().hex, "Comment": "test"})["CloudFrontOriginAccessIdentity"]
    setup.oai_id, setup.oai_canonical = identity["Id"], identity["S3CanonicalUserId"]
    if policy:
        setup.put_policy(setup.oai_statement())
    setup.distribution = setup.cf.create_distribution(
        DistributionConfig=distribution_config(setup, restrict=restrict, oai=oai, **distribution_extra))["Distribution"]
    return setup
