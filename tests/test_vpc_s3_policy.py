"""Network-aware S3 on the real emulator: gateway endpoint routes, network paths, the instance metadata
service, S3 policy enforcement (deny-all, the root user's escape hatch, identity + bucket policies,
the grader's inspection calls), `awslab exec` with the real aws CLI from both instances of the blog's
set-up, and `awslab policy simulate` / `policy enforcement`.

One module-scoped lab (the vpc-endpoint-s3 scenario's setup + reference solution) serves the tests
that need the blog's set-up; the others use their own fresh account."""

from __future__ import annotations

import json
import os
import sys

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from grader import scenario as scenarios
from grader.check import Env
from sandbox.accounts import Account
from sandbox.emulator import EmulatorClient

from .conftest import run_cli

TRUST_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _deny_all(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyEverything", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]})


def _bucket(account, suffix="b", enforce=True) -> str:
    if enforce:
        EmulatorClient(account.endpoint).s3_enforcement(account.account_id, True, set_it=True)
    name = f"{account.account_id}-{suffix}"
    account.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": account.region})
    account.client("s3").put_object(Bucket=name, Key="k.txt", Body=b"x")
    return name


def _code_and_message(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


# ---- S3 enforcement ---------------------------------------------------------------------------

def test_deny_all_policy_locks_out_even_root_except_for_the_bucket_policy(account):
    s3 = account.client("s3")
    bucket = _bucket(account)
    s3.put_bucket_policy(Bucket=bucket, Policy=_deny_all(bucket))
    root = f"arn:aws:iam::{account.account_id}:root"
    with pytest.raises(ClientError) as denied:
        s3.list_objects_v2(Bucket=bucket)
    assert _code_and_message(denied) == ("AccessDenied", (
        f'User: {root} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::{bucket}" '
        "with an explicit deny in a resource-based policy"))
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    for call in (lambda: s3.get_object(Bucket=bucket, Key="k.txt"),
                 lambda: s3.put_object(Bucket=bucket, Key="new", Body=b"y"),
                 lambda: s3.delete_bucket(Bucket=bucket)):
        with pytest.raises(ClientError, match="AccessDenied"):
            call()
    # The raw answer is S3's XML error with RequestId and HostId.
    body = requests.get(f"{account.endpoint}/{bucket}/k.txt", timeout=5)
    assert body.status_code == 403 and body.text.count("<Code>AccessDenied</Code><Message>Access Denied</Message>") == 1
    assert "<RequestId>" in body.text and "<HostId>" in body.text

    # The grader's inspection calls are not locked out.
    env = Env(account, {})
    assert env.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 1

    # The owner's root user may always read, replace and delete the bucket policy (PutBucketPolicy docs).
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Sid"] == "DenyEverything"
    s3.put_bucket_policy(Bucket=bucket, Policy=_deny_all(bucket))
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1

    # Every decision is journaled with the deciding statement and why.
    entry = next(e for e in EmulatorClient(account.endpoint).journal(account.account_id)
                 if e["hop"] == "s3-authorization" and e["effect"] == "Deny")
    assert (entry["sid"], entry["policy"], entry["principal"], entry["source"]) == (
        "DenyEverything", "bucket policy", root, "host")


def test_enforcement_is_per_account_and_reset_with_the_account(account):
    s3 = account.client("s3")
    bucket = _bucket(account, enforce=False)
    s3.put_bucket_policy(Bucket=bucket, Policy=_deny_all(bucket))
    client = EmulatorClient(account.endpoint)
    assert client.s3_enforcement(account.account_id) == {
        "account": account.account_id, "enabled": True, "default": True, "explicit": False}
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.list_objects_v2(Bucket=bucket)
    client.s3_enforcement(account.account_id, False, set_it=True)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1  # off: LocalStack's own behaviour
    client.reset_account(account.account_id)
    assert client.s3_enforcement(account.account_id) == {
        "account": account.account_id, "enabled": True, "default": True, "explicit": False}


def test_iam_user_needs_an_allow_from_identity_or_bucket_policy(account):
    s3, iam = account.client("s3"), account.client("iam")
    bucket = _bucket(account)
    user = iam.create_user(UserName="alice")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice = boto3.client("s3", endpoint_url=account.endpoint, region_name=account.region,
                         aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    with pytest.raises(ClientError) as denied:
        alice.get_object(Bucket=bucket, Key="k.txt")
    assert _code_and_message(denied)[1] == (
        f'User: {user["Arn"]} is not authorized to perform: s3:GetObject on resource: '
        f'"arn:aws:s3:::{bucket}/k.txt" because no identity-based policy allows the s3:GetObject action')

    # Same account: a bucket policy naming the user is enough (union of identity and resource policies).
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Alice", "Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert alice.get_object(Bucket=bucket, Key="k.txt")["Body"].read() == b"x"
    with pytest.raises(ClientError, match="no identity-based policy allows the s3:ListBucket"):
        alice.list_objects_v2(Bucket=bucket)

    # ... and an identity policy is enough too, unless a statement denies.
    iam.put_user_policy(UserName="alice", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}))
    assert alice.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    with pytest.raises(ClientError, match="with an explicit deny in an identity-based policy"):
        alice.delete_object(Bucket=bucket, Key="k.txt")

    # Anonymous callers get the plain message.
    anonymous = requests.get(f"{account.endpoint}/{bucket}/k.txt", timeout=5)
    assert anonymous.status_code == 403 and "<Message>Access Denied</Message>" in anonymous.text


def test_bucket_policies_aws_refuses_are_refused(account):
    s3 = account.client("s3")
    bucket = _bucket(account, enforce=False)
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                            "Resource": f"arn:aws:s3:::{bucket}"}]}
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(no_principal))
    assert _code_and_message(refused) == ("MalformedPolicy", "Missing required field Principal")
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                     "Resource": "arn:aws:s3:::someone-elses-bucket"}]}
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(other))
    assert _code_and_message(refused) == ("MalformedPolicy", "Policy has invalid resource")


# ---- VPC: endpoint routes, paths, instance metadata -----------------------------------------------

def _vpc(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24")["Subnet"]["SubnetId"]
    tables = [ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _ in range(2)]
    ec2.associate_route_table(RouteTableId=tables[0], SubnetId=subnet)
    return vpc, subnet, tables


def _endpoint_routes(ec2, table):
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return [r["GatewayId"] for r in routes if r.get("DestinationPrefixListId")]


def test_gateway_endpoint_routes_follow_its_route_tables(account):
    ec2 = account.client("ec2")
    vpc, _subnet, (first, second) = _vpc(ec2)
    # No VpcEndpointType: AWS's default is Gateway.
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{account.region}.s3",
                                       RouteTableIds=[first])["VpcEndpoint"]["VpcEndpointId"]
    prefix_list = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [
        f"com.amazonaws.{account.region}.s3"]}])["PrefixLists"][0]["PrefixListId"]
    routes = ec2.describe_route_tables(RouteTableIds=[first])["RouteTables"][0]["Routes"]
    assert {"DestinationPrefixListId": prefix_list, "GatewayId": endpoint, "Origin": "CreateRoute",
            "State": "active"} in routes
    assert _endpoint_routes(ec2, second) == []
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=[second], RemoveRouteTableIds=[first])
    assert (_endpoint_routes(ec2, first), _endpoint_routes(ec2, second)) == ([], [endpoint])
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    assert _endpoint_routes(ec2, second) == []


def test_network_paths_and_instance_metadata(account):
    ec2, iam = account.client("ec2"), account.client("iam")
    client = EmulatorClient(account.endpoint)
    vpc, subnet, (table, _other) = _vpc(ec2)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    iam.create_role(RoleName="NoEc2", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_role(RoleName="Ec2", AssumeRolePolicyDocument=TRUST_EC2)
    for name in ("NoEc2", "Ec2"):
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    with_role = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
                                  IamInstanceProfile={"Name": "Ec2"})["Instances"][0]
    untrusted = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
                                  IamInstanceProfile={"Name": "NoEc2"})["Instances"][0]["InstanceId"]
    bare = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]
    instance = with_role["InstanceId"]

    def via(instance_id=instance, **kwargs):
        found = client.network_path(account.account_id, account.region, instance_id, **kwargs)["service"]
        return found["via"], found["problem"]

    assert via() == ("none", "no-route")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert via() == ("none", "no-public-ip")  # the subnet gave it no public address
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{account.region}.s3",
                                       RouteTableIds=[table])["VpcEndpoint"]["VpcEndpointId"]
    found = client.network_path(account.account_id, account.region, instance)
    assert (found["service"]["via"], found["service"]["vpce_id"]) == ("vpc-endpoint", endpoint)
    assert found["internet"]["problem"] == "no-public-ip"
    # A gateway endpoint serves its own region only.
    assert via(service_region="us-east-1") == ("none", "no-public-ip")
    assert client.network_path(account.account_id, account.region, "i-00000000000000000") is None

    # The instance metadata service: credentials of the role, a session named after the instance.
    served = client.instance_credentials(account.account_id, account.region, instance)
    assert served["Code"] == "Success" and served["Type"] == "AWS-HMAC" and served["RoleName"] == "Ec2"
    assert served["Expiration"].endswith("Z") and served["Token"]
    assert client.instance_credentials(account.account_id, account.region, instance)["AccessKeyId"] == \
        served["AccessKeyId"]  # the same credentials until they near expiry
    identity = client.identity(served["AccessKeyId"])
    assert identity["arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/Ec2/{instance}"
    refused = client.instance_credentials(account.account_id, account.region, untrusted)
    assert refused["Code"] == "AssumeRoleUnauthorizedAccess" and "AccessKeyId" not in refused
    assert client.instance_credentials(account.account_id, account.region, bare) is None
    imds = client.imds_endpoint(account.account_id, account.region, instance)
    token = requests.put(imds + "latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
                         timeout=5)
    assert token.status_code == 200 and token.headers["X-aws-ec2-metadata-token-ttl-seconds"] == "60"
    assert requests.get(imds + "latest/meta-data/instance-id", timeout=5).text == instance
    assert requests.get(imds + "latest/meta-data/local-ipv4", timeout=5).text == with_role["PrivateIpAddress"]
    assert requests.get(imds + "latest/meta-data/nothing-here", timeout=5).status_code == 404

    ec2.stop_instances(InstanceIds=[instance])
    assert via() == ("none", "not-running")


# ---- the blog's set-up: exec with the real aws CLI, simulate -----------------------------------------

@pytest.fixture(scope="module")
def lab(emulator):
    """The vpc-endpoint-s3 scenario, set up and solved, in an account of its own."""
    account = Account(f"{(os.getpid() % 100000):05d}9999001", "ap-northeast-1", emulator.endpoint)
    sc = scenarios.get("vpc-endpoint-s3")
    names = sc.render_names(account.account_id)
    env = Env(account, names)
    env.emulator.reset_account(account.account_id)
    sc.setup(env)
    out = run_cli("solve", sc.id, "--account", account.account_id)
    assert out.returncode == 0, out.stderr
    ec2 = env.client("ec2")

    def instance(name):
        found = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])["Reservations"]
        return found[0]["Instances"][0]["InstanceId"]

    # The account is this module's own; the session's emulator goes away with it.
    return {"account": account, "names": names, "public": instance("vpce-public"),
            "private": instance("vpce-private")}


def _exec(lab, instance, *command, **env):
    return run_cli("exec", "--instance", lab[instance], "--account", lab["account"].account_id, "--", *command,
                   env={"AWS_MAX_ATTEMPTS": "1", **env})


def test_exec_lists_the_bucket_from_the_private_instance_only(lab):
    bucket = lab["names"]["bucket"]
    public = _exec(lab, "public", "aws", "s3", "ls", "--recursive", f"s3://{bucket}")
    assert public.returncode == 255, public.stdout
    session = f"arn:aws:sts::{lab['account'].account_id}:assumed-role/EC2toS3/{lab['public']}"
    assert (f"An error occurred (AccessDenied) when calling the ListObjectsV2 operation: User: {session} is not "
            f"authorized to perform: s3:ListBucket on resource: \"arn:aws:s3:::{bucket}\" with an explicit deny "
            "in a resource-based policy") in public.stderr
    private = _exec(lab, "private", "aws", "s3", "ls", "--recursive", f"s3://{bucket}")
    assert private.returncode == 0, private.stderr
    assert private.stdout.rstrip().endswith("hello.txt")
    # The private subnet has no route to the internet: STS is out of reach, the connection times out.
    sts = _exec(lab, "private", "aws", "sts", "get-caller-identity", "--cli-connect-timeout", "1")
    assert sts.returncode == 255 and "Connect timeout on endpoint URL" in sts.stderr
    # The same from Python: the instance's role, as IMDS serves it, with no credentials in the environment.
    script = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
    who = _exec(lab, "public", sys.executable, "-c", script, AWS_ACCESS_KEY_ID=lab["account"].account_id)
    assert who.stdout.strip() == session, who.stderr


def test_exec_refuses_unknown_instances_with_one_line(lab):
    out = run_cli("exec", "--instance", "i-00000000000000000", "--account", lab["account"].account_id, "--", "true")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "i-00000000000000000" in out.stderr


def test_simulate_explains_the_decision_for_each_instance(lab):
    bucket, account = lab["names"]["bucket"], lab["account"].account_id
    out = run_cli("policy", "simulate", "--action", "s3:ListBucket", "--bucket", bucket, "--instance", lab["public"],
                  "--account", account, "--format", "json")
    assert out.returncode == 1, out.stderr
    decision = json.loads(out.stdout)
    assert (decision["effect"], decision["sid"], decision["policy"]) == ("Deny", "VPCe", "bucket policy")
    assert decision["conditions"][0]["key"] == "aws:SourceVpce" and decision["conditions"][0]["actual"] is None
    assert decision["context"]["aws:SourceIp"]
    out = run_cli("policy", "simulate", "--action", "s3:ListBucket", "--bucket", bucket, "--instance", lab["private"],
                  "--account", account, "--lang", "ja")
    assert out.returncode == 0 and out.stdout.startswith("許可"), out.stdout
    assert "AmazonS3ReadOnlyAccess" in out.stdout


def test_simulate_from_files_and_enforcement_command(tmp_path, account):
    policy = tmp_path / "bucket.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Office", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*", "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}))
    args = ["policy", "simulate", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k",
            "--resource-policy", str(policy), "--principal", "anonymous", "--account", account.account_id]
    inside = run_cli(*args, "--context", "aws:SourceIp=192.0.2.7")
    assert inside.returncode == 0 and inside.stdout.startswith("ALLOWED"), inside.stdout
    outside = run_cli(*args, "--context", "aws:SourceIp=198.51.100.7")
    assert outside.returncode == 1
    assert "Statement Office of the --resource-policy does not apply: aws:SourceIp was 198.51.100.7" in outside.stdout
    bad = run_cli(*args, "--context", "no-equals-sign")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1

    state = run_cli("policy", "enforcement", "--s3", "on", "--account", account.account_id)
    assert state.returncode == 0 and f"account {account.account_id}: on (set for this account)" in state.stdout
    state = run_cli("policy", "enforcement", "--account", account.account_id, "--lang", "ja")
    assert "有効" in state.stdout


def test_exec_in_classroom_mode_gets_the_instance_role_only_for_its_own_account(classroom):
    """In classroom mode routes that name an account need that account's signature: `awslab exec`
    opens the instance's metadata service with a signed call and hands the SDK a token URL."""
    learner, other = classroom.learners[0], classroom.learners[1]
    account = Account(learner.account_id, "ap-northeast-1", classroom.endpoint, learner.secret)
    iam, ec2 = account.client("iam"), account.client("ec2")
    iam.create_role(RoleName="Ec2InClass", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_instance_profile(InstanceProfileName="Ec2InClass")
    iam.add_role_to_instance_profile(InstanceProfileName="Ec2InClass", RoleName="Ec2InClass")
    instance = ec2.run_instances(ImageId=ec2.describe_images()["Images"][0]["ImageId"], MinCount=1, MaxCount=1,
                                 IamInstanceProfile={"Name": "Ec2InClass"})["Instances"][0]["InstanceId"]
    script = "import botocore.session; print(botocore.session.get_session().get_credentials().access_key)"
    out = run_cli("exec", "--instance", instance, "--account", learner.account_id, "--endpoint", classroom.endpoint,
                  "--", sys.executable, "-c", script, env={"AWSLAB_HOME": str(classroom.home)})
    assert out.returncode == 0, out.stderr
    identity = EmulatorClient.for_account(account).identity(out.stdout.strip())  # signed: a guarded route
    assert identity["arn"] == f"arn:aws:sts::{learner.account_id}:assumed-role/Ec2InClass/{instance}"
    # Another learner's signature does not open this account's instance metadata.
    intruder = EmulatorClient.for_account(Account(learner.account_id, "ap-northeast-1", classroom.endpoint,
                                                  other.secret))
    with pytest.raises(Exception, match="403"):
        intruder.imds_endpoint(learner.account_id, "ap-northeast-1", instance)
