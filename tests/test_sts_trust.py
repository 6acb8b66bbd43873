"""STS AssumeRole authorized as on AWS (sts_trust plugin): the role's trust policy, the caller's own
permissions, DurationSeconds and session policies. Sources: sandbox/plugins/sts_trust/handler.py."""

import json

import boto3
import botocore.exceptions
import pytest

from sandbox import accounts, timeline
from sandbox.emulator import EmulatorClient

REGION = "ap-northeast-1"


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _trust(principal, **extra) -> str:
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


def _client(emulator, service, creds):
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name=REGION,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"))


def _user(account, name, *policy_statements):
    iam = account.client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy_statements:
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=_doc(*policy_statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, key


def _error(call) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call()
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


@pytest.fixture
def other(account) -> accounts.Account:
    """A second learner account (cross-account cases)."""
    other_id = str((int(account.account_id) + 500_000) % 10**12).zfill(12)
    return accounts.Account(account_id=other_id, region=REGION, endpoint=account.endpoint)


def test_root_user_cannot_assume_a_role(account):
    iam = account.client("iam")
    arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"AWS": account.account_id}))["Role"]["Arn"]
    assert _error(lambda: account.client("sts").assume_role(RoleArn=arn, RoleSessionName="s0")) == (
        "AccessDenied", "Roles may not be assumed by root accounts.")


def test_a_role_for_lambda_refuses_an_admin_user(emulator, account):
    iam = account.client("iam")
    arn = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}))["Role"]["Arn"]
    user_arn, key = _user(account, "admin", _allow("*"))
    code, message = _error(lambda: _client(emulator, "sts", key).assume_role(RoleArn=arn, RoleSessionName="s0"))
    assert code == "AccessDenied"
    assert message == f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {arn}"
    [refused] = [e for e in EmulatorClient(emulator.endpoint).journal(account.account_id) if e["hop"] == "sts-assume-role"]
    assert refused["outcome"] == "refused" and refused["decision"]["policy"] == "trust policy"
    assert timeline.describe(refused, "en") == f"user/admin could not assume role fn: AccessDenied: {message}"
    assert timeline.describe(refused, "ja").startswith("user/admin はロール fn を引き受けられませんでした")


def test_a_missing_role_is_refused_like_a_refused_one(emulator, account):
    user_arn, key = _user(account, "dev", _allow("sts:AssumeRole"))
    arn = f"arn:aws:iam::{account.account_id}:role/does-not-exist"
    assert _error(lambda: _client(emulator, "sts", key).assume_role(RoleArn=arn, RoleSessionName="s0")) == (
        "AccessDenied", f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {arn}")


def test_trusting_the_user_itself_needs_no_identity_policy_but_an_explicit_deny_wins(emulator, account):
    iam = account.client("iam")
    user_arn, key = _user(account, "named")
    arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"]["Arn"]
    creds = _client(emulator, "sts", key).assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    assert _client(emulator, "sts", creds).get_caller_identity()["Arn"] == \
        f"arn:aws:sts::{account.account_id}:assumed-role/r/s1"
    iam.put_user_policy(UserName="named", PolicyName="no", PolicyDocument=_doc(
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": arn}))
    assert _error(lambda: _client(emulator, "sts", key).assume_role(RoleArn=arn, RoleSessionName="s2"))[0] == "AccessDenied"


def test_trusting_the_account_delegates_to_identity_policies(emulator, account):
    iam = account.client("iam")
    arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust(
        {"AWS": f"arn:aws:iam::{account.account_id}:root"}))["Role"]["Arn"]
    _, without = _user(account, "plain")
    _, allowed = _user(account, "allowed", _allow("sts:AssumeRole", arn))
    assert _error(lambda: _client(emulator, "sts", without).assume_role(RoleArn=arn, RoleSessionName="s0"))[0] == "AccessDenied"
    _client(emulator, "sts", allowed).assume_role(RoleArn=arn, RoleSessionName="s0")


def test_external_id_missing_wrong_and_right(emulator, account):
    iam = account.client("iam")
    arn = iam.create_role(RoleName="vendor", AssumeRolePolicyDocument=_trust(
        {"AWS": account.account_id}, Condition={"StringEquals": {"sts:ExternalId": "Unicorn-42"}}))["Role"]["Arn"]
    _, key = _user(account, "vendor", _allow("sts:AssumeRole"))
    sts = _client(emulator, "sts", key)
    assert _error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s0"))[0] == "AccessDenied"
    assert _error(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="s0", ExternalId="unicorn-42"))[0] == "AccessDenied"
    sts.assume_role(RoleArn=arn, RoleSessionName="s0", ExternalId="Unicorn-42")


def test_principal_arn_condition(emulator, account):
    iam = account.client("iam")
    arn = iam.create_role(RoleName="ops", AssumeRolePolicyDocument=_trust(
        {"AWS": account.account_id},
        Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account.account_id}:user/ops-*"}}))["Role"]["Arn"]
    _, dev = _user(account, "dev-1", _allow("sts:AssumeRole"))
    _, ops = _user(account, "ops-1", _allow("sts:AssumeRole"))
    assert _error(lambda: _client(emulator, "sts", dev).assume_role(RoleArn=arn, RoleSessionName="s0"))[0] == "AccessDenied"
    _client(emulator, "sts", ops).assume_role(RoleArn=arn, RoleSessionName="s0")


def test_cross_account_needs_the_trust_and_the_callers_permission(emulator, account, other):
    role_arn = other.client("iam").create_role(RoleName="shared", AssumeRolePolicyDocument=_trust(
        {"AWS": f"arn:aws:iam::{account.account_id}:root"}))["Role"]["Arn"]
    _, without = _user(account, "plain")
    _, allowed = _user(account, "allowed", _allow("sts:AssumeRole", role_arn))
    code, message = _error(lambda: _client(emulator, "sts", without).assume_role(RoleArn=role_arn, RoleSessionName="s0"))
    assert code == "AccessDenied" and message.endswith(f"on resource: {role_arn}")
    creds = _client(emulator, "sts", allowed).assume_role(RoleArn=role_arn, RoleSessionName="x0")["Credentials"]
    assert _client(emulator, "sts", creds).get_caller_identity()["Account"] == other.account_id
    # A role that does not trust the caller's account refuses it even with the caller's permission.
    closed = other.client("iam").create_role(RoleName="closed", AssumeRolePolicyDocument=_trust(
        {"AWS": f"arn:aws:iam::{other.account_id}:root"}))["Role"]["Arn"]
    _, wide = _user(account, "wide", _allow("sts:AssumeRole"))
    assert _error(lambda: _client(emulator, "sts", wide).assume_role(RoleArn=closed, RoleSessionName="s0"))[0] == "AccessDenied"


def test_cross_account_trust_naming_the_user_still_needs_its_own_permission(emulator, account, other):
    user_arn, key = _user(account, "named")
    role_arn = other.client("iam").create_role(RoleName="named", AssumeRolePolicyDocument=_trust(
        {"AWS": user_arn}))["Role"]["Arn"]
    assert _error(lambda: _client(emulator, "sts", key).assume_role(RoleArn=role_arn, RoleSessionName="s0"))[0] == "AccessDenied"


def test_duration_limits(emulator, account):
    iam = account.client("iam")
    user_arn, key = _user(account, "dev")
    one_hour = iam.create_role(RoleName="short", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"]["Arn"]
    sts = _client(emulator, "sts", key)
    assert _error(lambda: sts.assume_role(RoleArn=one_hour, RoleSessionName="s0", DurationSeconds=7200)) == (
        "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    long_arn = iam.create_role(RoleName="long", MaxSessionDuration=43200, AssumeRolePolicyDocument=_trust(
        {"AWS": [user_arn, one_hour]}))["Role"]["Arn"]
    creds = sts.assume_role(RoleArn=long_arn, RoleSessionName="s0", DurationSeconds=7200)["Credentials"]
    assert (creds["Expiration"] - creds["Expiration"].now(creds["Expiration"].tzinfo)).total_seconds() > 7000
    # Role chaining: a session of `short` assuming `long` gets one hour at most.
    chained = sts.assume_role(RoleArn=one_hour, RoleSessionName="s0")["Credentials"]
    assert _error(lambda: _client(emulator, "sts", chained).assume_role(
        RoleArn=long_arn, RoleSessionName="c0", DurationSeconds=7200)) == (
        "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    _client(emulator, "sts", chained).assume_role(RoleArn=long_arn, RoleSessionName="c0", DurationSeconds=3600)


def test_session_policies_narrow_the_session(emulator, account):
    iam, s3 = account.client("iam"), account.client("s3")
    bucket = f"{account.account_id}-sts-session"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    user_arn, key = _user(account, "dev")
    arn = iam.create_role(RoleName="s3-all", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"]["Arn"]
    iam.put_role_policy(RoleName="s3-all", PolicyName="all", PolicyDocument=_doc(_allow("s3:*")))
    read = iam.create_policy(PolicyName="read-only", PolicyDocument=_doc(_allow("s3:GetObject")))["Policy"]["Arn"]
    EmulatorClient(emulator.endpoint).s3_enforcement(account.account_id, True, set_it=True)
    sts = _client(emulator, "sts", key)

    full = _client(emulator, "s3", sts.assume_role(RoleArn=arn, RoleSessionName="full")["Credentials"])
    assert [o["Key"] for o in full.list_objects_v2(Bucket=bucket)["Contents"]] == ["a.txt"]
    for narrowed in (sts.assume_role(RoleArn=arn, RoleSessionName="inline", Policy=_doc(_allow("s3:GetObject"))),
                     sts.assume_role(RoleArn=arn, RoleSessionName="managed", PolicyArns=[{"arn": read}])):
        session = _client(emulator, "s3", narrowed["Credentials"])
        assert session.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"a"
        code, message = _error(lambda: session.list_objects_v2(Bucket=bucket))
        assert code == "AccessDenied" and "session policy" in message


def test_malformed_session_policy(emulator, account):
    iam = account.client("iam")
    user_arn, key = _user(account, "dev")
    arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"]["Arn"]
    assert _error(lambda: _client(emulator, "sts", key).assume_role(
        RoleArn=arn, RoleSessionName="s0", Policy='{"Statement": "nope"'))[0] == "MalformedPolicyDocument"


def test_lambda_must_be_able_to_assume_the_execution_role(account):
    from tests.lambda_functions import zip_source

    iam, lam = account.client("iam"), account.client("lambda")
    ec2_role = iam.create_role(RoleName="for-ec2", AssumeRolePolicyDocument=_trust(
        {"Service": "ec2.amazonaws.com"}))["Role"]["Arn"]
    missing = f"arn:aws:iam::{account.account_id}:role/not-there"
    for role in (ec2_role, missing):
        assert _error(lambda: lam.create_function(
            FunctionName="fn", Runtime="python3.12", Role=role, Handler="lambda_function.lambda_handler",
            Code={"ZipFile": zip_source("def lambda_handler(e, c):\n    return 1\n")})) == (
            "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
