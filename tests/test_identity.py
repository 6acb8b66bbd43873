"""Caller identity plugin: the principal behind an access key, as CloudTrail's userIdentity shows it
(AWS CloudTrail User Guide, "CloudTrail userIdentity element"). Real IAM users and STS sessions."""

import json

import boto3

from sandbox.emulator import EmulatorClient

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


def _client(emulator, service, key, secret, token=None):
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name="ap-northeast-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)


def test_twelve_digit_key_is_the_account_root(emulator, account_id):
    found = EmulatorClient(emulator.endpoint).identity(account_id)
    assert found["userIdentity"] == {"type": "Root", "principalId": account_id,
                                     "arn": f"arn:aws:iam::{account_id}:root", "accountId": account_id,
                                     "accessKeyId": account_id}


def test_iam_user_key_is_that_user(emulator, account):
    iam = account.client("iam")
    user = iam.create_user(UserName="Alice")["User"]
    key = iam.create_access_key(UserName="Alice")["AccessKey"]
    found = EmulatorClient(emulator.endpoint).identity(key["AccessKeyId"])
    assert found["userIdentity"] == {"type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"],
                                     "accountId": account.account_id, "accessKeyId": key["AccessKeyId"],
                                     "userName": "Alice"}
    # the key works against the emulator and belongs to the same account
    sts = _client(emulator, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == user["Arn"]


def test_role_session_key_is_that_session(emulator, account):
    iam = account.client("iam")
    role = iam.create_role(RoleName="Reader", Path="/service-role/", AssumeRolePolicyDocument=TRUST)["Role"]
    # An IAM user assumes it: AWS refuses AssumeRole to an account's root user (sts_trust plugin).
    iam.create_user(UserName="Learner")
    key = iam.create_access_key(UserName="Learner")["AccessKey"]
    creds = _client(emulator, "sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=role["Arn"], RoleSessionName="lesson1")["Credentials"]
    found = EmulatorClient(emulator.endpoint).identity(creds["AccessKeyId"])
    ident = found["userIdentity"]
    assert ident["type"] == "AssumedRole"
    assert ident["arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/Reader/lesson1"
    assert ident["principalId"] == f"{role['RoleId']}:lesson1"
    assert ident["accountId"] == account.account_id and ident["accessKeyId"] == creds["AccessKeyId"]
    issuer = ident["sessionContext"]["sessionIssuer"]
    assert issuer == {"type": "Role", "principalId": role["RoleId"], "arn": role["Arn"],
                      "accountId": account.account_id, "userName": "Reader"}
    assert ident["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert ident["sessionContext"]["attributes"]["creationDate"].endswith("Z")
    assert found["sessionName"] == "lesson1" and found["roleArn"] == role["Arn"]


def test_unknown_key_falls_back_to_the_root_of_its_account(emulator):
    found = EmulatorClient(emulator.endpoint).identity("test")
    assert found["type"] == "Root" and found["accountId"] == "000000000000"


def test_access_key_is_read_from_headers_and_presigned_urls():
    from localstack.http import Request

    from sandbox.plugins.identity.callers import access_key_of

    v4 = "AWS4-HMAC-SHA256 Credential=LKIAQAAAAAAAEXAMPLE1/20261128/ap-northeast-1/s3/aws4_request, " \
         "SignedHeaders=host, Signature=abc"
    assert access_key_of(Request("GET", "/", headers={"Authorization": v4})) == "LKIAQAAAAAAAEXAMPLE1"
    presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=123456789012%2F20261128%2Fap-northeast-1%2Fs3%2Faws4_request"
    assert access_key_of(Request("GET", "/b/k", query_string=presigned)) == "123456789012"
    assert access_key_of(Request("GET", "/b/k", query_string="AWSAccessKeyId=AKIDV2&Signature=x")) == "AKIDV2"
    assert access_key_of(Request("GET", "/b/k")) is None
