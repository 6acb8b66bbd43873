"""cloudfront-signed-url: partial and wrong set-ups lose the right points with messages that name
the resource and the hop that refused; the learner hands the private key over as a file; a learner
who follows the task with openssl and the aws CLI (v1, as in .venv) gets full marks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from grader import engine
from grader import scenario as scenarios
from sandbox.cliutil import grade_inputs
from sandbox.errors import AwslabError

from .cloudfront_setup import build, rsa_key

SC = scenarios.get("cloudfront-signed-url")


def write_key(path: Path, key) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return path


def grade(account, **inputs):
    result = engine.grade(SC, account, "en", inputs=inputs)
    return result, {c.id: c for c in result.checks}


@pytest.fixture
def learner(account, tmp_path, monkeypatch):
    """The learner's working folder (where the grader looks for the key file) and names."""
    monkeypatch.chdir(tmp_path)
    return SC.render_names(account.account_id)


def built(account, names, tmp_path=None, **kwargs):
    """The scenario's resources under its names; the key file in the working folder if given."""
    setup = build(account, bucket=names["bucket"], **kwargs)
    if tmp_path is not None:
        write_key(tmp_path / "private_key_presigned_url.pem", setup.private_key)
    return setup


def test_policy_for_another_oai_is_named_by_the_flow(account, learner, tmp_path):
    setup = built(account, learner, tmp_path, policy=False)
    result, c = grade(account)
    assert c["bucket-policy-grants-oai"].status == "fail"
    assert c["bucket-policy-grants-oai"].message.startswith(f"Bucket {learner['bucket']} has no bucket policy")
    assert c["signed-url-serves-object"].status == "skipped"
    assert c["unsigned-request-refused"].status == "pass" and "403 MissingKey" in c["unsigned-request-refused"].message

    # A second OAI is granted, but the distribution uses the first: the flow names S3's refusal.
    other = setup.cf.create_cloud_front_origin_access_identity(CloudFrontOriginAccessIdentityConfig={
        "CallerReference": "other", "Comment": "other"})["CloudFrontOriginAccessIdentity"]["Id"]
    setup.put_policy(setup.oai_statement(oai_id=other))
    result, c = grade(account)
    flow = c["signed-url-serves-object"]
    assert flow.status == "fail"
    assert "403 AccessDenied" in flow.message and f"Origin Access Identity {setup.oai_id}" in flow.message
    # Granting the distribution's OAI, here by its S3 canonical user id, fixes it.
    setup.put_policy({"Sid": "canonical", "Effect": "Allow", "Principal": {"CanonicalUser": setup.oai_canonical},
                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{setup.bucket}/*"})
    result, c = grade(account)
    assert result.passed, [(i.id, i.message) for i in result.checks if i.status != "pass"]


def test_public_bucket_and_open_policy_lose_points(account, learner, tmp_path):
    setup = built(account, learner, tmp_path)
    setup.put_policy(setup.oai_statement(), {"Sid": "public", "Effect": "Allow", "Principal": "*",
                                             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{setup.bucket}/*"})
    setup.s3.delete_public_access_block(Bucket=setup.bucket)
    result, c = grade(account)
    assert c["s3-not-public"].status == "fail" and "statement public of the bucket policy" in c["s3-not-public"].message
    assert c["bucket-policy-only-oai"].status == "fail"
    assert "arn:aws:iam::999999999999:root" in c["bucket-policy-only-oai"].message
    assert result.score == result.max_score - 2  # the flows still work: only the two checks fail


def test_unrestricted_distribution_serves_anyone(account, learner, tmp_path):
    built(account, learner, restrict=False)
    result, c = grade(account)
    assert c["viewer-access-restricted"].status == "fail"
    assert "serves /hane.jpg to anyone" in c["viewer-access-restricted"].message
    assert {c[i].status for i in ("unsigned-request-refused", "signed-url-serves-object")} == {"skipped"}


def test_private_key_is_handed_over_as_a_file(account, learner, tmp_path, cli):
    setup = built(account, learner)
    result, c = grade(account)
    assert "private_key_presigned_url.pem does not exist" in c["signed-url-serves-object"].message
    wrong = write_key(tmp_path / "wrong.pem", rsa_key(1))
    result, c = grade(account, private_key=str(wrong))
    assert "does not belong to any public key" in c["signed-url-serves-object"].message
    (tmp_path / "garbage.pem").write_text("hello")
    result, c = grade(account, private_key=str(tmp_path / "garbage.pem"))
    assert "is not a PEM RSA private key" in c["signed-url-serves-object"].message

    key_file = write_key(tmp_path / "elsewhere.pem", setup.private_key)
    out = cli("grade", SC.id, "--account", account.account_id, "--input", f"private_key={key_file}",
              "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_grade_inputs_are_name_value_pairs():
    assert grade_inputs(("private_key=a=b.pem", "x=")) == {"private_key": "a=b.pem", "x": ""}
    with pytest.raises(AwslabError, match="private_key"):
        grade_inputs(("private_key",))


def test_stale_edge_copy_is_explained(account, learner, tmp_path):
    setup = built(account, learner, tmp_path)
    assert grade(account)[0].passed
    setup.s3.put_object(Bucket=setup.bucket, Key="hane.jpg", Body=b"a new picture", ContentType="image/jpeg")
    result, c = grade(account)
    assert c["signed-url-serves-object"].status == "fail"
    assert "older copy" in c["signed-url-serves-object"].message and "invalidation" in c["signed-url-serves-object"].message
    setup.cf.create_invalidation(DistributionId=setup.distribution["Id"], InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/hane.jpg"]}, "CallerReference": "new"})
    assert grade(account)[0].passed


AWS_CLI_SCRIPT = r"""
set -euo pipefail
# The blog's steps with openssl and the aws CLI (v1 in .venv), as the task describes them.
printf 'JPEG' > hane.jpg
aws s3 mb "s3://$BUCKET"
aws s3 cp hane.jpg "s3://$BUCKET/hane.jpg"
openssl genrsa -traditional -out private_key_presigned_url.pem 2048 2>/dev/null
openssl rsa -pubout -in private_key_presigned_url.pem -out public_key_presigned_url.pem 2>/dev/null
KEY_ID=$(aws cloudfront create-public-key --query PublicKey.Id --output text --public-key-config \
  "CallerReference=$(date +%s),Name=presigned-url-key,EncodedKey=$(cat public_key_presigned_url.pem)")
GROUP_ID=$(aws cloudfront create-key-group --key-group-config "Name=presigned-url-key-group,Items=$KEY_ID" \
  --query KeyGroup.Id --output text)
OAI=$(aws cloudfront create-cloud-front-origin-access-identity --query CloudFrontOriginAccessIdentity.Id \
  --output text --cloud-front-origin-access-identity-config "CallerReference=$(date +%s),Comment=access-identity-$BUCKET")
aws s3api put-bucket-policy --bucket "$BUCKET" --policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity $OAI\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::$BUCKET/*\"}]}"
cat > dist.json <<EOF
{"CallerReference": "blog-$(date +%s)", "Comment": "", "Enabled": true,
 "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "$BUCKET.s3.ap-northeast-1.amazonaws.com",
   "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/$OAI"}}]},
 "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
   "TrustedKeyGroups": {"Enabled": true, "Quantity": 1, "Items": ["$GROUP_ID"]},
   "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}
EOF
DOMAIN=$(aws cloudfront create-distribution --distribution-config file://dist.json --query Distribution.DomainName --output text)
URL=$(aws cloudfront sign --url "https://$DOMAIN/hane.jpg" --key-pair-id "$KEY_ID" \
  --private-key file://private_key_presigned_url.pem --date-less-than 2099-12-31)
awslab fetch "$URL" -o fetched.jpg
cmp hane.jpg fetched.jpg
if awslab fetch "https://$DOMAIN/hane.jpg"; then echo "plain URL served"; exit 1; fi
"""


def test_aws_cli_learner_gets_full_marks(account, tmp_path, monkeypatch):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    names = SC.render_names(account.account_id)
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, **account.env(), "BUCKET": names["bucket"], "AWSLAB_LANG": "en",
           "AWSLAB_ENDPOINT": account.endpoint, "PATH": venv_bin + os.pathsep + os.environ["PATH"]}
    out = subprocess.run(["bash", "-c", AWS_CLI_SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "HTTP 200" in out.stdout and "MissingKey" in out.stdout
    monkeypatch.chdir(tmp_path)
    result, _ = grade(account)
    assert result.passed, [(c.id, c.message) for c in result.checks if c.status != "pass"]
