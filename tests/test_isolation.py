"""Accounts are isolated, and resetting one leaves every other account intact (real emulator)."""

import json

from sandbox.accounts import Account
from sandbox.emulator import EmulatorClient


def _build(account: Account, bucket: str):
    s3, sqs, iam = account.client("s3"), account.client("sqs"), account.client("iam")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    s3.put_object(Bucket=bucket, Key="hane.jpg", Body=b"bytes of " + bucket.encode())
    url = sqs.create_queue(QueueName="TestQueue")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    iam.create_role(RoleName="saml-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    account.client("events").put_rule(Name="stop-rule", EventPattern=json.dumps({"source": ["aws.ec2"]}))
    account.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")
    account.client("sns").create_topic(Name="topic")
    account.client("logs").create_log_group(logGroupName="/aws/lambda/MyFunctionEC2")
    account.client("ssm").put_parameter(Name="/lab/p", Value="v", Type="String")


def _inventory(account: Account) -> dict:
    return {
        "buckets": [b["Name"] for b in account.client("s3").list_buckets()["Buckets"]],
        "queues": account.client("sqs").list_queues().get("QueueUrls", []),
        "roles": [r["RoleName"] for r in account.client("iam").list_roles()["Roles"]],
        "rules": [r["Name"] for r in account.client("events").list_rules()["Rules"]],
        "vpcs": sorted(v["CidrBlock"] for v in account.client("ec2").describe_vpcs()["Vpcs"]),
        "topics": [t["TopicArn"] for t in account.client("sns").list_topics()["Topics"]],
        "log_groups": [g["logGroupName"] for g in account.client("logs").describe_log_groups()["logGroups"]],
        "parameters": [p["Name"] for p in account.client("ssm").describe_parameters()["Parameters"]],
    }


def test_two_accounts_are_isolated_and_reset_is_per_account(emulator, account_id):
    a = Account(account_id, "ap-northeast-1", emulator.endpoint)
    b = Account(f"{int(account_id) + 500000:012d}", "ap-northeast-1", emulator.endpoint)
    _build(a, f"{a.account_id}-iso")
    _build(b, f"{b.account_id}-iso")

    inv_a, inv_b = _inventory(a), _inventory(b)
    assert inv_a["buckets"] == [f"{a.account_id}-iso"] and inv_b["buckets"] == [f"{b.account_id}-iso"]
    assert a.account_id in inv_a["queues"][0] and b.account_id in inv_b["queues"][0]

    done = EmulatorClient(emulator.endpoint).reset_account(a.account_id)
    assert {"s3", "sqs", "iam", "events", "ec2", "sns", "logs", "ssm"} <= set(done["services"])

    after_a = _inventory(a)
    assert after_a["buckets"] == [] and after_a["queues"] == [] and after_a["rules"] == []
    assert after_a["topics"] == [] and after_a["log_groups"] == [] and after_a["parameters"] == []
    assert "saml-role" not in after_a["roles"] and "10.9.0.0/16" not in after_a["vpcs"]
    assert _inventory(b) == inv_b
    body = b.client("s3").get_object(Bucket=f"{b.account_id}-iso", Key="hane.jpg")["Body"].read()
    assert body == f"bytes of {b.account_id}-iso".encode()
    url = inv_b["queues"][0]
    assert b.client("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello"

    # The reset account starts afresh: the freed bucket name and queue can be created again.
    _build(a, f"{a.account_id}-iso")
    assert _inventory(a)["buckets"] == [f"{a.account_id}-iso"]


def test_reset_rejects_bad_account_ids(emulator):
    import requests

    resp = requests.post(f"{emulator.endpoint}/_awslab/accounts/12ab/reset", timeout=5)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "InvalidAccountId"


def test_unexpected_emulator_answers_are_one_line_errors(emulator):
    import pytest

    from sandbox.errors import AwslabError

    with pytest.raises(AwslabError, match=r"answered HTTP 400 to POST /_awslab/accounts/12ab/reset: .*InvalidAccountId"):
        EmulatorClient(emulator.endpoint).reset_account("12ab")
