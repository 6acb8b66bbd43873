"""The CloudFront edge on the real emulator: signed URLs (from `aws cloudfront sign`) and cookies
through the Host-header route and the /_awslab/cloudfront/ path form, CloudFront's 403 bodies, the
S3 origin fetch that honours the bucket policy for the OAI / OAC / anonymous caller, and the HTTP
behaviour (headers, cache, ranges, default root object, 404s). `awslab fetch` on top."""

import json
import time
from urllib.parse import urlsplit

import pytest
import requests

from sandbox import cloudfront_signing as cfs
from sandbox.emulator import EmulatorClient

from .cloudfront_setup import build, distribution_config
from .test_cloudfront_signing import aws_sign


@pytest.fixture
def edge(emulator):
    return EmulatorClient(emulator.endpoint)


def xml_error(response) -> tuple[str, str]:
    body = response.text
    return body.split("<Code>")[1].split("</Code>")[0], body.split("<Message>")[1].split("</Message>")[0]


def test_signed_url_from_aws_cli_through_both_routes(account, edge, emulator, tmp_path):
    setup = build(account, suffix="cli")
    url = aws_sign(tmp_path, setup.private_key, "--url", setup.url(), "--date-less-than", "2099-01-01",
                   key_id=setup.public_key_id)
    first = edge.edge(url)
    assert first.status_code == 200 and first.content == setup.body
    assert first.headers["Content-Type"] == "image/jpeg"
    assert first.headers["Content-Length"] == str(len(setup.body))
    assert first.headers["ETag"] == setup.s3.head_object(Bucket=setup.bucket, Key=setup.key)["ETag"]
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert first.headers["Via"].endswith(".cloudfront.net (CloudFront)")
    second = edge.edge(url)
    assert second.headers["X-Cache"] == "Hit from cloudfront" and "Age" in second.headers
    # The path form needs no Host header (browsers): the same signed query after the domain.
    parts = urlsplit(url)
    path_form = requests.get(f"{emulator.endpoint}/_awslab/cloudfront/{setup.domain}{parts.path}?{parts.query}",
                             timeout=10)
    assert path_form.status_code == 200 and path_form.content == setup.body
    by_id = requests.get(f"{emulator.endpoint}/_awslab/cloudfront/{setup.distribution['Id']}{parts.path}?{parts.query}",
                         timeout=10)
    assert by_id.status_code == 200


def test_refusals_answer_cloudfronts_403_bodies(account, edge):
    setup = build(account, suffix="deny")
    unsigned = edge.edge(setup.url())
    assert unsigned.status_code == 403 and unsigned.headers["Content-Type"] == "text/xml"
    assert xml_error(unsigned) == ("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    assert unsigned.headers["X-Cache"] == "Error from cloudfront"
    assert xml_error(edge.edge(setup.signed(expires_in=-10))) == ("AccessDenied", "Access denied")
    good = setup.signed()
    head, _, rest = good.partition("Signature=")
    tampered = f"{head}Signature={'B' if rest[0] == 'A' else 'A'}{rest[1:]}"
    assert xml_error(edge.edge(tampered)) == ("AccessDenied", "Access denied")
    assert xml_error(edge.edge(f"{head}Signature=AB{rest}")) == ("MalformedSignature", "Could not unencode Signature")
    assert xml_error(edge.edge(good.replace(setup.public_key_id, "KNOTINTHEGROUP"))) == ("InvalidKey", "Unknown Key")
    # A URL signed for another object does not open this one.
    assert edge.edge(setup.signed(path="other.jpg").replace("other.jpg", setup.key, 1)).status_code == 403


def test_signed_cookies_custom_policy_and_ip_range(account, edge):
    setup = build(account, suffix="cookie")
    now = int(time.time())
    everything = cfs.custom_policy(f"https://{setup.domain}/*", now + 300)
    cookies = cfs.signed_cookies(setup.public_key_id, setup.private_key, policy=everything)
    assert edge.edge(setup.url(), cookies=cookies).content == setup.body
    canned = cfs.signed_cookies(setup.public_key_id, setup.private_key, resource=setup.url(), expires=now + 300)
    assert edge.edge(setup.url(), cookies=canned).status_code == 200
    # The viewer is 127.0.0.1: a policy for another network refuses it, one for loopback admits it.
    elsewhere = cfs.custom_url(setup.url(), setup.public_key_id, setup.private_key,
                               cfs.custom_policy(setup.url(), now + 300, source_ip="192.0.2.0/24"))
    assert xml_error(edge.edge(elsewhere)) == ("AccessDenied", "Access denied")
    loopback = cfs.custom_url(setup.url(), setup.public_key_id, setup.private_key,
                              cfs.custom_policy(f"https://{setup.domain}/*.jpg", now + 300, source_ip="127.0.0.0/8"))
    assert edge.edge(loopback).status_code == 200


def test_origin_fetch_honours_the_bucket_policy(account, edge):
    setup = build(account, suffix="pol", policy=False)
    refused = edge.edge(setup.signed())
    # S3's own 403, passed on by CloudFront.
    assert refused.status_code == 403 and refused.headers["Content-Type"] == "application/xml"
    assert xml_error(refused) == ("AccessDenied", "Access Denied")
    entry = [e for e in edge.journal(account.account_id) if e["hop"] == "cloudfront-edge"][-1]
    assert entry["status"] == 403 and "S3 refused" in entry["reason"] and setup.oai_id in entry["reason"]

    setup.put_policy(setup.oai_statement(oai_id="E0THERIDENTITY"))
    assert edge.edge(setup.signed()).status_code == 403
    setup.put_policy(setup.oai_statement(), {"Sid": "no", "Effect": "Deny", "Principal": "*",
                                             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{setup.bucket}/*"})
    assert edge.edge(setup.signed()).status_code == 403
    # The OAI named by its S3 canonical user id works as well as its ARN.
    setup.put_policy({"Effect": "Allow", "Principal": {"CanonicalUser": setup.oai_canonical},
                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{setup.bucket}/*"})
    assert edge.edge(setup.signed()).status_code == 200

    # Without an OAI, S3 sees an anonymous request: only a public policy lets it through, and only
    # once the bucket's Block Public Access (on for new buckets) no longer restricts it.
    anonymous = build(account, suffix="anon", restrict=False, oai=False)
    assert edge.edge(anonymous.url()).status_code == 403
    anonymous.put_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                          "Resource": f"arn:aws:s3:::{anonymous.bucket}/*"})
    anonymous.s3.delete_public_access_block(Bucket=anonymous.bucket)
    assert edge.edge(anonymous.url()).status_code == 200
    anonymous.s3.put_public_access_block(Bucket=anonymous.bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
    anonymous.cf.create_invalidation(DistributionId=anonymous.distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "r"})  # else the cached copy is served
    assert edge.edge(anonymous.url()).status_code == 403


def test_origin_access_control_with_source_arn(account, edge):
    setup = build(account, suffix="oac", policy=False)
    oac = setup.cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "oac", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})
    dist = setup.cf.create_distribution(DistributionConfig=distribution_config(
        setup, oai=False, oac_id=oac["OriginAccessControl"]["Id"]))["Distribution"]
    setup.distribution = dist

    def allow_cloudfront(source_arn):
        setup.put_policy({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                          "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{setup.bucket}/*",
                          "Condition": {"StringEquals": {"AWS:SourceArn": source_arn}}})

    allow_cloudfront(f"arn:aws:cloudfront::{account.account_id}:distribution/EOTHERDIST0000")
    assert edge.edge(setup.signed()).status_code == 403
    allow_cloudfront(dist["ARN"])
    assert edge.edge(setup.signed()).status_code == 200


def test_missing_key_is_404_only_for_callers_that_may_list(account, edge):
    setup = build(account, suffix="miss")
    missing = edge.edge(setup.signed(path="nothere.jpg"))
    assert missing.status_code == 403 and xml_error(missing)[0] == "AccessDenied"
    setup.put_policy(setup.oai_statement(), setup.oai_statement(action="s3:ListBucket",
                                                                resource=f"arn:aws:s3:::{setup.bucket}"))
    missing = edge.edge(setup.signed(path="nothere.jpg"))
    assert missing.status_code == 404 and xml_error(missing) == ("NoSuchKey", "The specified key does not exist.")


def test_ranges_conditional_requests_and_head(account, edge):
    setup = build(account, suffix="range")
    url, size = setup.signed(), len(setup.body)
    part = edge.edge(url, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == setup.body[:4]
    assert part.headers["Content-Range"] == f"bytes 0-3/{size}" and part.headers["Content-Length"] == "4"
    assert edge.edge(url, headers={"Range": "bytes=-2"}).content == setup.body[-2:]
    beyond = edge.edge(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    etag = edge.edge(url).headers["ETag"]
    assert edge.edge(url, headers={"If-None-Match": etag}).status_code == 304
    assert edge.edge(url, method="HEAD", headers={"If-None-Match": etag}).status_code == 304
    head = edge.edge(url, method="HEAD")
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == str(size)


def test_default_root_object_and_invalidation(account, edge):
    setup = build(account, suffix="root", restrict=False, DefaultRootObject="index.html")
    setup.s3.put_object(Bucket=setup.bucket, Key="index.html", Body=b"<h1>v1</h1>", ContentType="text/html")
    root = edge.edge(f"https://{setup.domain}/")
    assert root.status_code == 200 and root.content == b"<h1>v1</h1>" and root.headers["Content-Type"] == "text/html"
    # CloudFront keeps serving its copy until the TTL ends or an invalidation removes it.
    setup.s3.put_object(Bucket=setup.bucket, Key="index.html", Body=b"<h1>v2</h1>", ContentType="text/html")
    assert edge.edge(f"https://{setup.domain}/index.html").content == b"<h1>v1</h1>"
    setup.cf.create_invalidation(DistributionId=setup.distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/index.html"]}, "CallerReference": "v2"})
    fresh = edge.edge(f"https://{setup.domain}/index.html")
    assert fresh.content == b"<h1>v2</h1>" and fresh.headers["X-Cache"] == "Miss from cloudfront"


def test_disabled_and_unknown_distributions(account, edge):
    setup = build(account, suffix="off", restrict=False)
    assert edge.edge(setup.url()).status_code == 200
    current = setup.cf.get_distribution_config(Id=setup.distribution["Id"])
    setup.cf.update_distribution(Id=setup.distribution["Id"], IfMatch=current["ETag"],
                                 DistributionConfig={**current["DistributionConfig"], "Enabled": False})
    off = edge.edge(setup.url())
    assert off.status_code == 403 and "The request could not be satisfied" in off.text
    unknown = edge.edge("https://d0000000000000.cloudfront.net/hane.jpg")
    assert unknown.status_code == 403 and unknown.headers["Content-Type"] == "text/html"
    assert edge.edge(setup.url(), method="POST").status_code == 403


def test_awslab_fetch(account, cli, tmp_path):
    setup = build(account, suffix="fetch")
    target = tmp_path / "got.jpg"
    out = cli("fetch", setup.signed(), "--output", str(target))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("HTTP 200") and "X-Cache: Miss from cloudfront" in out.stdout
    assert target.read_bytes() == setup.body and str(target) in out.stdout
    refused = cli("fetch", setup.url())
    assert refused.returncode == 1 and "<Code>MissingKey</Code>" in refused.stdout
    cookies = cfs.signed_cookies(setup.public_key_id, setup.private_key, resource=setup.url(),
                                 expires=int(time.time()) + 300)
    args = [a for name, value in cookies.items() for a in ("--cookie", f"{name}={value}")]
    with_cookies = cli("fetch", setup.url(), "-o", str(tmp_path / "cookie.jpg"), *args)
    assert with_cookies.returncode == 0 and (tmp_path / "cookie.jpg").read_bytes() == setup.body
    usage = cli("fetch", "not-a-url", "--lang", "ja")
    assert usage.returncode == 2 and "ホスト名のある http(s) の URL ではありません" in usage.stderr
    journal = [e for e in EmulatorClient(account.endpoint).journal(account.account_id) if e["hop"] == "cloudfront-edge"]
    assert [e["status"] for e in journal][-3:] == [200, 403, 200] and json.dumps(journal)
