"""awslab's CloudFront API provider on the real emulator, through boto3: resources, ETag/If-Match
semantics, InProgress -> Deployed, AWS's validation errors, resources in use, invalidations, tags,
account isolation and the per-account reset."""

import copy
import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox import cloudfront_signing as cfs
from sandbox.emulator import EmulatorClient

from .cloudfront_setup import build, distribution_config, rsa_key


def code_of(err) -> str:
    return err.value.response["Error"]["Code"]


def new_key(cf, name, key_index=0, **extra):
    return cf.create_public_key(PublicKeyConfig={"CallerReference": name, "Name": name, "Comment": "",
                                                 "EncodedKey": cfs.public_pem(rsa_key(key_index)), **extra})


def test_public_key_lifecycle_with_etags(account):
    cf = account.client("cloudfront")
    created = new_key(cf, "k1")
    key = created["PublicKey"]
    assert key["Id"].startswith("K") and len(key["Id"]) == 14
    assert created["Location"].endswith(f"/2020-05-31/public-key/{key['Id']}")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    # Same CallerReference and config: the same key; another config: PublicKeyAlreadyExists.
    assert new_key(cf, "k1")["PublicKey"]["Id"] == key["Id"]
    with pytest.raises(ClientError) as err:
        new_key(cf, "k1", key_index=1)
    assert code_of(err) == "PublicKeyAlreadyExists"

    config = cf.get_public_key_config(Id=key["Id"])
    assert config["ETag"] == created["ETag"]
    changed = {**config["PublicKeyConfig"], "Comment": "rotated"}
    with pytest.raises(ClientError) as err:
        cf.update_public_key(Id=key["Id"], PublicKeyConfig=changed, IfMatch="")
    assert code_of(err) == "InvalidIfMatchVersion"
    with pytest.raises(ClientError) as err:
        cf.update_public_key(Id=key["Id"], PublicKeyConfig=changed, IfMatch="EWRONGETAG1234")
    assert code_of(err) == "PreconditionFailed" and err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ClientError) as err:
        cf.update_public_key(Id=key["Id"], IfMatch=config["ETag"], PublicKeyConfig={
            **changed, "EncodedKey": cfs.public_pem(rsa_key(1))})
    assert code_of(err) == "CannotChangeImmutablePublicKeyFields"
    updated = cf.update_public_key(Id=key["Id"], PublicKeyConfig=changed, IfMatch=config["ETag"])
    assert updated["ETag"] != config["ETag"] and updated["PublicKey"]["PublicKeyConfig"]["Comment"] == "rotated"

    group = cf.create_key_group(KeyGroupConfig={"Name": "g", "Items": [key["Id"]]})
    with pytest.raises(ClientError) as err:
        cf.delete_public_key(Id=key["Id"], IfMatch=updated["ETag"])
    assert code_of(err) == "PublicKeyInUse"
    cf.delete_key_group(Id=group["KeyGroup"]["Id"], IfMatch=group["ETag"])
    cf.delete_public_key(Id=key["Id"], IfMatch=updated["ETag"])
    assert cf.list_public_keys()["PublicKeyList"]["Quantity"] == 0
    with pytest.raises(ClientError) as err:
        cf.get_public_key(Id=key["Id"])
    assert code_of(err) == "NoSuchPublicKey"


@pytest.mark.parametrize("encoded", [
    "not a key",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
    rsa_key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode(),
], ids=["text", "bad-pem", "ec-key", "private-key"])
def test_malformed_public_keys_are_refused(account, encoded):
    cf = account.client("cloudfront")
    with pytest.raises(ClientError) as err:
        cf.create_public_key(PublicKeyConfig={"CallerReference": "r", "Name": "bad", "EncodedKey": encoded})
    assert code_of(err) == "InvalidArgument" and "EncodedKey" in err.value.response["Error"]["Message"]
    assert cf.list_public_keys()["PublicKeyList"]["Quantity"] == 0


def test_key_group_rules(account):
    cf = account.client("cloudfront")
    keys = [new_key(cf, f"k{i}")["PublicKey"]["Id"] for i in range(6)]
    first = cf.list_public_keys(MaxItems="4")["PublicKeyList"]
    assert [k["Id"] for k in first["Items"]] == keys[:4] and first["NextMarker"] == keys[3]
    rest = cf.list_public_keys(Marker=first["NextMarker"])["PublicKeyList"]
    assert [k["Id"] for k in rest["Items"]] == keys[4:] and "NextMarker" not in rest
    with pytest.raises(ClientError) as err:
        cf.create_key_group(KeyGroupConfig={"Name": "g", "Items": ["KNOSUCHKEY0000"]})
    assert code_of(err) == "InvalidArgument"
    with pytest.raises(ClientError) as err:
        cf.create_key_group(KeyGroupConfig={"Name": "g", "Items": keys})
    assert code_of(err) == "TooManyPublicKeysInKeyGroup"
    cf.create_key_group(KeyGroupConfig={"Name": "g", "Items": keys[:2]})
    with pytest.raises(ClientError) as err:
        cf.create_key_group(KeyGroupConfig={"Name": "g", "Items": keys[:1]})
    assert code_of(err) == "KeyGroupAlreadyExists"


def test_distribution_lifecycle(account):
    setup = build(account, suffix="life")
    cf, dist = setup.cf, setup.distribution
    assert dist["Status"] == "InProgress"
    assert dist["Id"].startswith("E") and dist["DomainName"].endswith(".cloudfront.net")
    assert dist["ARN"] == f"arn:aws:cloudfront::{account.account_id}:distribution/{dist['Id']}"
    assert dist["ActiveTrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": [
        {"KeyGroupId": setup.key_group_id, "KeyPairIds": {"Quantity": 1, "Items": [setup.public_key_id]}}]}
    config = dist["DistributionConfig"]
    # The defaults CloudFront fills in are echoed back.
    assert config["PriceClass"] == "PriceClass_All" and config["HttpVersion"] == "http2"
    assert config["DefaultCacheBehavior"]["AllowedMethods"]["Items"] == ["HEAD", "GET"]

    got = cf.get_distribution(Id=dist["Id"])
    assert got["Distribution"]["Status"] == "Deployed"
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 2})

    current = cf.get_distribution_config(Id=dist["Id"])
    disabled = {**current["DistributionConfig"], "Enabled": False, "Comment": "off"}
    with pytest.raises(ClientError) as err:
        cf.update_distribution(Id=dist["Id"], DistributionConfig=disabled, IfMatch="E000000000000X")
    assert code_of(err) == "PreconditionFailed"
    with pytest.raises(ClientError) as err:
        cf.delete_distribution(Id=dist["Id"], IfMatch=current["ETag"])
    assert code_of(err) == "DistributionNotDisabled"
    with pytest.raises(ClientError) as err:
        cf.update_distribution(Id=dist["Id"], IfMatch=current["ETag"],
                               DistributionConfig={**disabled, "CallerReference": "changed"})
    assert code_of(err) == "IllegalUpdate"
    updated = cf.update_distribution(Id=dist["Id"], DistributionConfig=disabled, IfMatch=current["ETag"])
    assert updated["Distribution"]["Status"] == "InProgress" and updated["ETag"] != current["ETag"]
    assert cf.get_distribution(Id=dist["Id"])["Distribution"]["DistributionConfig"]["Comment"] == "off"
    listed = cf.list_distributions()["DistributionList"]
    assert listed["Quantity"] == 1 and listed["Items"][0]["Id"] == dist["Id"] and not listed["Items"][0]["Enabled"]
    cf.delete_distribution(Id=dist["Id"], IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as err:
        cf.get_distribution(Id=dist["Id"])
    assert code_of(err) == "NoSuchDistribution"


def _mutations(setup):
    """(name, change to a valid distribution config, AWS error code)."""
    def origin(cfg):
        return cfg["Origins"]["Items"][0]

    def behavior(cfg):
        return cfg["DefaultCacheBehavior"]

    return [
        ("unknown target origin", lambda c: behavior(c).update(TargetOriginId="nope"), "NoSuchOrigin"),
        ("unknown key group", lambda c: behavior(c).update(TrustedKeyGroups={
            "Enabled": True, "Quantity": 1, "Items": [str(uuid.uuid4())]}), "TrustedKeyGroupDoesNotExist"),
        ("unknown OAI", lambda c: origin(c)["S3OriginConfig"].update(
            OriginAccessIdentity="origin-access-identity/cloudfront/E000000NOSUCH"), "InvalidOriginAccessIdentity"),
        ("quantity mismatch", lambda c: c["Origins"].update(Quantity=2), "InconsistentQuantities"),
        ("no cache settings", lambda c: behavior(c).pop("CachePolicyId"), "InvalidArgument"),
        ("unknown cache policy", lambda c: behavior(c).update(CachePolicyId=str(uuid.uuid4())), "NoSuchCachePolicy"),
        ("TTL order", lambda c: (behavior(c).pop("CachePolicyId"), behavior(c).update(
            ForwardedValues={"QueryString": False, "Cookies": {"Forward": "none"}},
            MinTTL=100, DefaultTTL=10, MaxTTL=1000)), "InvalidTTLOrder"),
        ("alias without certificate", lambda c: c.update(Aliases={"Quantity": 1, "Items": ["cdn.example.com"]}),
         "InvalidViewerCertificate"),
        ("root object with slash", lambda c: c.update(DefaultRootObject="/index.html"), "InvalidDefaultRootObject"),
        ("S3 config on a web server", lambda c: origin(c).update(DomainName="www.example.com"), "InvalidOrigin"),
        ("missing required member", lambda c: c.pop("Enabled"), "InvalidArgument"),  # raw clients may send it
    ]


def test_distribution_config_validation(account):
    setup = build(account, suffix="val")
    base = distribution_config(setup)
    # Without boto3's own checks, as a raw XML client or Terraform's SDK would send it.
    raw = account.session().client("cloudfront", endpoint_url=account.endpoint,
                                    config=Config(parameter_validation=False))
    for name, mutate, code in _mutations(setup):
        config = copy.deepcopy(base)
        mutate(config)
        with pytest.raises(ClientError) as err:
            raw.create_distribution(DistributionConfig=config)
        assert code_of(err) == code, name
        assert err.value.response["Error"]["Message"], name
    # Nothing half-made: only the distribution of build() exists.
    assert setup.cf.list_distributions()["DistributionList"]["Quantity"] == 1


def test_resources_in_use_cannot_be_deleted(account):
    setup = build(account, suffix="use")
    cf = setup.cf
    group = cf.get_key_group(Id=setup.key_group_id)
    with pytest.raises(ClientError) as err:
        cf.delete_key_group(Id=setup.key_group_id, IfMatch=group["ETag"])
    assert code_of(err) == "ResourceInUse"
    oai = cf.get_cloud_front_origin_access_identity(Id=setup.oai_id)
    with pytest.raises(ClientError) as err:
        cf.delete_cloud_front_origin_access_identity(Id=setup.oai_id, IfMatch=oai["ETag"])
    assert code_of(err) == "CloudFrontOriginAccessIdentityInUse"

    oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "oac", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})
    config = distribution_config(setup, oai=False, oac_id=oac["OriginAccessControl"]["Id"])
    cf.create_distribution(DistributionConfig=config)
    with pytest.raises(ClientError) as err:
        cf.delete_origin_access_control(Id=oac["OriginAccessControl"]["Id"], IfMatch=oac["ETag"])
    assert code_of(err) == "OriginAccessControlInUse"
    both = distribution_config(setup, oai=True, oac_id=oac["OriginAccessControl"]["Id"])
    with pytest.raises(ClientError) as err:
        cf.create_distribution(DistributionConfig=both)
    assert code_of(err) == "IllegalOriginAccessConfiguration"


def test_invalidations_and_tags(account):
    setup = build(account, suffix="inv")
    cf, dist_id = setup.cf, setup.distribution["Id"]
    batch = {"Paths": {"Quantity": 2, "Items": ["/hane.jpg", "/images/*"]}, "CallerReference": "inv-1"}
    created = cf.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)
    invalidation = created["Invalidation"]
    assert invalidation["Status"] == "InProgress" and invalidation["Id"].startswith("I")
    assert cf.create_invalidation(DistributionId=dist_id, InvalidationBatch=batch)["Invalidation"]["Id"] == invalidation["Id"]
    assert cf.get_invalidation(DistributionId=dist_id, Id=invalidation["Id"])["Invalidation"]["Status"] == "Completed"
    cf.get_waiter("invalidation_completed").wait(DistributionId=dist_id, Id=invalidation["Id"],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    assert cf.list_invalidations(DistributionId=dist_id)["InvalidationList"]["Quantity"] == 1
    with pytest.raises(ClientError) as err:
        cf.create_invalidation(DistributionId=dist_id, InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["hane.jpg"]}, "CallerReference": "inv-2"})
    assert code_of(err) == "InvalidArgument"

    arn = setup.distribution["ARN"]
    cf.tag_resource(Resource=arn, Tags={"Items": [{"Key": "env", "Value": "lab"}, {"Key": "team", "Value": "a"}]})
    cf.untag_resource(Resource=arn, TagKeys={"Items": ["team"]})
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "env", "Value": "lab"}]


def test_accounts_are_isolated_and_reset_clears_cloudfront(account, emulator):
    setup = build(account, suffix="iso")
    other = account.session().client("cloudfront", endpoint_url=account.endpoint,
                                      aws_access_key_id="999988887777", aws_secret_access_key="x")
    assert other.list_distributions()["DistributionList"]["Quantity"] == 0
    with pytest.raises(ClientError):
        other.get_distribution(Id=setup.distribution["Id"])
    client = EmulatorClient(emulator.endpoint)
    assert client.edge(setup.signed()).status_code == 200
    done = client.reset_account(account.account_id)
    assert "cloudfront" in done["services"]
    cf = setup.cf
    assert cf.list_distributions()["DistributionList"]["Quantity"] == 0
    assert cf.list_public_keys()["PublicKeyList"]["Quantity"] == 0
    assert cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]["Quantity"] == 0
    gone = client.edge(setup.signed())
    assert gone.status_code == 403 and "The request could not be satisfied" in gone.text
