"""The sigv4 plugin: in classroom mode nobody gets into another learner's account.

The first tests check the verifier on requests that botocore signs (no emulator); the rest run
against the classroom-mode emulator of the `classroom` fixture (started through the container
entrypoint), with real boto3 clients and real presigned URLs."""

import json
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from werkzeug.datastructures import Headers

from sandbox.plugins.sigv4 import verify

REGION = "ap-northeast-1"


def _check(signed_request: AWSRequest, secret: str, body: bytes = b"") -> bool:
    """Verify a botocore-signed request as the plugin does, from what goes over the wire."""
    url = urlsplit(signed_request.url)
    headers = Headers([(k, v) for k, v in signed_request.headers.items()] + [("Host", url.netloc)])
    pairs = verify.query_pairs(url.query)
    claims = verify.parse(headers, pairs)
    expected = verify.expected_signature(claims, secret, signed_request.method, url.path, pairs, headers, body)
    return verify.matches(expected, claims.signature)


@pytest.mark.parametrize("payload_hash", [None, "UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"])
def test_header_signatures_verify_only_with_the_signing_secret(payload_hash):
    creds = Credentials("111122223333", "right-secret")
    body = b"Action=SendMessage&MessageBody=h%C3%A9+%26+%3D"
    request = AWSRequest("POST", "http://127.0.0.1:4566/a%20b/c?z=1&a=%2F&a=2", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    signer = SigV4Auth(creds, "sqs", REGION)
    if payload_hash:  # S3's x-amz-content-sha256 variants are signed as given
        request.headers["X-Amz-Content-SHA256"] = payload_hash
        signer = S3SigV4Auth(creds, "s3", REGION)
    signer.add_auth(request)
    assert _check(request, "right-secret", body)
    assert not _check(request, "wrong-secret", body)
    if not payload_hash:  # the body is covered: another body fails
        assert not _check(request, "right-secret", body + b"x")


def test_presigned_query_signatures_verify():
    request = AWSRequest("GET", "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4QueryAuth(Credentials("111122223333", "s3cret"), "sts", REGION, expires=60).add_auth(request)
    assert _check(request, "s3cret") and not _check(request, "other")
    claims = verify.parse(Headers(), verify.query_pairs(urlsplit(request.url).query))
    assert claims.form == "query" and claims.expires_s == 60 and not verify.presign_expired(claims)


def test_unsigned_and_malformed_requests_are_told_apart():
    assert verify.parse(Headers(), []) is None
    with pytest.raises(verify.Malformed):
        verify.parse(Headers({"Authorization": "AWS4-HMAC-SHA256 Credential=x/y, Signature=ab"}), [])


# ---- against the classroom-mode emulator -------------------------------------------------------

def _client(classroom, service, key, secret, token=None, **config):
    return boto3.client(service, endpoint_url=classroom.endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}, **config))


def _error(call) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as err:
        call()
    e = err.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def b_resources(classroom):
    """Learner B's bucket (with an object) and queue (with a message)."""
    b = classroom.learners[1]
    s3 = _client(classroom, "s3", b.account_id, b.secret)
    bucket = f"{b.account_id}-private"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"B's data")
    sqs = _client(classroom, "sqs", b.account_id, b.secret)
    url = sqs.create_queue(QueueName="b-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="B's message")
    return {"bucket": bucket, "queue_url": url}


def test_a_cannot_use_bs_key_id_with_as_secret(classroom, b_resources):
    a, b = classroom.learners[0], classroom.learners[1]
    s3 = _client(classroom, "s3", b.account_id, a.secret)
    sqs = _client(classroom, "sqs", b.account_id, a.secret)
    mismatch = "The request signature we calculated does not match the signature you provided."
    for call in (lambda: s3.get_object(Bucket=b_resources["bucket"], Key="secret.txt"),
                 lambda: s3.put_object(Bucket=b_resources["bucket"], Key="secret.txt", Body=b"overwritten"),
                 lambda: s3.delete_bucket(Bucket=b_resources["bucket"]),
                 lambda: sqs.receive_message(QueueUrl=b_resources["queue_url"]),
                 lambda: sqs.purge_queue(QueueUrl=b_resources["queue_url"]),
                 lambda: _client(classroom, "iam", b.account_id, a.secret).list_users(),
                 lambda: _client(classroom, "sts", b.account_id, a.secret).get_caller_identity()):
        code, message, status = _error(call)
        assert (code, status) == ("SignatureDoesNotMatch", 403) and message.startswith(mismatch)
    # B's resources are untouched, and B with B's own secret still works
    s3_b = _client(classroom, "s3", b.account_id, b.secret)
    assert s3_b.get_object(Bucket=b_resources["bucket"], Key="secret.txt")["Body"].read() == b"B's data"
    sqs_b = _client(classroom, "sqs", b.account_id, b.secret)
    attrs = sqs_b.get_queue_attributes(QueueUrl=b_resources["queue_url"], AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_unknown_keys_and_unsigned_requests_are_refused(classroom, b_resources):
    a = classroom.learners[0]
    assert _error(lambda: _client(classroom, "sts", "123123123123", a.secret).get_caller_identity()) == (
        "InvalidClientTokenId", "The X.509 certificate or AWS access key ID provided does not exist in our records.", 403)
    assert _error(lambda: _client(classroom, "s3", "123123123123", a.secret).list_buckets())[:2] == (
        "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    anonymous = requests.get(f"{classroom.endpoint}/{b_resources['bucket']}/secret.txt", timeout=10)
    assert anonymous.status_code == 403 and b"<Code>AccessDenied</Code>" in anonymous.content


def test_presigned_urls_still_work(classroom, b_resources, monkeypatch):
    b, a = classroom.learners[1], classroom.learners[0]
    target = {"Bucket": b_resources["bucket"], "Key": "secret.txt"}
    for signature_version in (None, "s3v4"):  # boto3's default presigned form is SigV2
        s3 = _client(classroom, "s3", b.account_id, b.secret, signature_version=signature_version)
        url = s3.generate_presigned_url("get_object", Params=target)
        assert requests.get(url, timeout=10).content == b"B's data", signature_version
        # a URL signed with A's secret under B's key id does not open B's object
        forged = _client(classroom, "s3", b.account_id, a.secret, signature_version=signature_version)
        forged_resp = requests.get(forged.generate_presigned_url("get_object", Params=target), timeout=10)
        assert forged_resp.status_code == 403 and b"SignatureDoesNotMatch" in forged_resp.content
    s3v4 = _client(classroom, "s3", b.account_id, b.secret, signature_version="s3v4")
    put = s3v4.generate_presigned_url("put_object", Params={"Bucket": b_resources["bucket"], "Key": "upload.txt"})
    assert requests.put(put, data=b"uploaded", timeout=10).status_code == 200
    assert s3v4.get_object(Bucket=b_resources["bucket"], Key="upload.txt")["Body"].read() == b"uploaded"
    # signed two hours ago for one hour: expired
    import datetime

    import botocore.auth

    two_hours_ago = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=2)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: two_hours_ago)
    expired = AWSRequest("GET", f"{classroom.endpoint}/{b_resources['bucket']}/secret.txt")
    botocore.auth.S3SigV4QueryAuth(Credentials(b.account_id, b.secret), "s3", REGION, expires=3600).add_auth(expired)
    monkeypatch.undo()
    resp = requests.get(expired.url, timeout=10)
    assert resp.status_code == 403 and b"Request has expired" in resp.content


def test_iam_user_keys_and_temporary_credentials_carry_their_account(classroom):
    c = classroom.learners[2]
    iam = _client(classroom, "iam", c.account_id, c.secret)
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    sts = _client(classroom, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_caller_identity()["Account"] == c.account_id
    assert _error(lambda: _client(classroom, "sts", key["AccessKeyId"], "guess").get_caller_identity())[0] == \
        "SignatureDoesNotMatch"
    iam.update_access_key(UserName="dev", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert _error(sts.get_caller_identity)[0] == "InvalidClientTokenId"  # a switched-off key signs nothing

    # An IAM user assumes the role: AWS refuses AssumeRole to the root user (sts_trust plugin).
    ops = iam.create_user(UserName="ops")["User"]["Arn"]
    ops_key = iam.create_access_key(UserName="ops")["AccessKey"]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ops}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="lab", AssumeRolePolicyDocument=json.dumps(trust))
    creds = _client(classroom, "sts", ops_key["AccessKeyId"], ops_key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{c.account_id}:role/lab", RoleSessionName="lab-session")["Credentials"]
    temp = _client(classroom, "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert temp.get_caller_identity()["Account"] == c.account_id
    wrong_token = _client(classroom, "sqs", creds["AccessKeyId"], creds["SecretAccessKey"], "not-the-token")
    assert _error(wrong_token.list_queues)[0] == "InvalidClientTokenId"
    wrong_secret = _client(classroom, "sqs", creds["AccessKeyId"], "x" * 40, creds["SessionToken"])
    assert _error(wrong_secret.list_queues)[0] == "SignatureDoesNotMatch"


def test_learners_registered_after_start_are_known_at_once(classroom):
    late = classroom.registry.add_account("late learner", kind="learner")
    sts = _client(classroom, "sts", late.account_id, late.secret)
    assert sts.get_caller_identity()["Account"] == late.account_id


def test_single_learner_mode_accepts_any_secret(emulator, account_id):
    """Off by default: the session emulator (no AWSLAB_CLASSROOM) keeps LocalStack's behaviour."""
    info = requests.get(f"{emulator.endpoint}/_awslab/info", timeout=5).json()
    assert "sigv4" not in info["plugins"]
    sts = boto3.client("sts", endpoint_url=emulator.endpoint, region_name=REGION, aws_access_key_id=account_id,
                       aws_secret_access_key="anything")
    assert sts.get_caller_identity()["Account"] == account_id


def test_routes_that_name_an_account_answer_only_that_account(classroom, b_resources):
    """Without this a learner could reset, or peek into, another account through awslab's and
    LocalStack's own HTTP routes."""
    from sandbox.accounts import Account
    from sandbox.emulator import EmulatorClient
    from sandbox.errors import AwslabError

    a, b = classroom.learners[0], classroom.learners[1]
    as_a = EmulatorClient.for_account(Account(a.account_id, REGION, classroom.endpoint, a.secret))
    b_url = f"{classroom.endpoint}/_awslab/accounts/{b.account_id}/reset"
    assert requests.post(b_url, timeout=10).status_code == 403  # unsigned
    with pytest.raises(AwslabError, match="403.*AccessDenied"):
        as_a.reset_account(b.account_id)  # signed, but by A
    with pytest.raises(AwslabError, match="403"):
        as_a.peek_messages(b.account_id, REGION, "b-queue")
    peek_by_url = requests.get(f"{classroom.endpoint}/_aws/sqs/messages",
                               params={"QueueUrl": b_resources["queue_url"]}, timeout=10)
    assert peek_by_url.status_code == 403
    # B itself may, and nothing of B's was touched by the refused calls
    as_b = EmulatorClient.for_account(Account(b.account_id, REGION, classroom.endpoint, b.secret))
    assert [m["Body"] for m in as_b.peek_messages(b.account_id, REGION, "b-queue")] == ["B's message"]
    assert isinstance(as_a.journal(a.account_id), list)  # its own journal: allowed
    assert requests.get(f"{classroom.endpoint}/_awslab/info", timeout=5).status_code == 200  # public


def test_idp_commands_work_in_classroom_mode(classroom, cli):
    """`awslab idp` reaches the IdP routes signed by the learner's account, so the classroom's
    route guard lets the learner through (and only into their own IdP)."""
    a = classroom.learners[0]
    env = {"AWSLAB_HOME": str(classroom.home), "AWS_ACCESS_KEY_ID": a.account_id,
           "AWS_SECRET_ACCESS_KEY": a.secret}
    added = cli("idp", "user", "add", "taro", "--account", a.account_id, "--endpoint", classroom.endpoint, env=env)
    assert added.returncode == 0, added.stderr
    shown = cli("idp", "show", "--account", a.account_id, "--endpoint", classroom.endpoint, env=env)
    assert shown.returncode == 0, shown.stderr
    assert f"urn:awslab:idp:{a.account_id}" in shown.stdout and "taro" in shown.stdout
