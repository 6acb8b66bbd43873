"""Checks of vpc-endpoint-s3: one function per check id in scenario.yaml.

Resources are judged by what they do: the role's trust and permissions and the bucket policy with
the policy evaluator (sandbox/iam_policy.py), the instances by subnet and instance profile, the
endpoint by its route tables. The flows list the bucket the way the blog does, for real, through
the emulator's S3 policy enforcement: from each instance with the credentials its instance metadata
service serves (the request takes the instance's network path), and from the learner's machine; the
enforcement's journaled decision explains the outcome (which policy and statement, which condition).
"""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from grader import aws
from grader.check import CheckContext, failed, passed
from sandbox import iam_policy
from sandbox.policy_explain import explain

# A documentation address (RFC 5737) standing for "somewhere on the internet".
INTERNET_ADDRESS = "203.0.113.10"


# ---- look-ups shared by the checks (memoised per grading run) ---------------------------------

def _named(items: list[dict], name: str) -> dict | None:
    return next((i for i in items if {"Key": "Name", "Value": name} in i.get("Tags", [])), None)


def _vpc(ctx: CheckContext) -> dict:
    def look_up():
        ec2 = ctx.client("ec2")
        vpc = _named(ec2.describe_vpcs()["Vpcs"], ctx.names["vpc"])
        if vpc is None:
            return {}
        vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        subnets = ec2.describe_subnets(Filters=vpc_filter)["Subnets"]
        tables = ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]
        return {
            "vpc": vpc["VpcId"],
            "public_subnet": (_named(subnets, ctx.names["public_subnet"]) or {}).get("SubnetId"),
            "private_subnet": (_named(subnets, ctx.names["private_subnet"]) or {}).get("SubnetId"),
            "public_table": _named(tables, ctx.names["public_route_table"]),
            "private_table": _named(tables, ctx.names["private_route_table"]),
        }

    return ctx.memoised("vpce-lab", look_up)


def _profiles_with_role(ctx: CheckContext) -> list[dict]:
    def look_up():
        profiles = ctx.client("iam").list_instance_profiles()["InstanceProfiles"]
        return [p for p in profiles if any(r["RoleName"] == ctx.names["role"] for r in p.get("Roles", []))]

    return ctx.memoised("profiles-with-role", look_up)


def _instances(ctx: CheckContext, subnet_key: str) -> list[dict]:
    """Running instances of the subnet (pending ones are not reachable yet)."""
    subnet = _vpc(ctx).get(subnet_key)
    if not subnet:
        return []
    reservations = ctx.client("ec2").describe_instances(Filters=[
        {"Name": "subnet-id", "Values": [subnet]},
        {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
    return [i for r in reservations for i in r["Instances"]]


def _with_role(ctx: CheckContext, instances: list[dict]) -> list[dict]:
    arns = {p["Arn"] for p in _profiles_with_role(ctx)}
    return [i for i in instances if i.get("IamInstanceProfile", {}).get("Arn") in arns]


def _instance(ctx: CheckContext, subnet_key: str) -> dict | None:
    found = _with_role(ctx, _instances(ctx, subnet_key))
    return found[0] if found else None


def _endpoints(ctx: CheckContext) -> list[dict]:
    def look_up():
        vpc = _vpc(ctx).get("vpc")
        if not vpc:
            return []
        return ctx.client("ec2").describe_vpc_endpoints(Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{ctx.region}.s3"]},
            {"Name": "vpc-endpoint-state", "Values": ["available"]}])["VpcEndpoints"]

    return ctx.memoised("s3-endpoints", look_up)


def _private_endpoint(ctx: CheckContext) -> dict | None:
    table = (_vpc(ctx).get("private_table") or {}).get("RouteTableId")
    return next((e for e in _endpoints(ctx) if table in e.get("RouteTableIds", [])), None)


def _bucket_policy(ctx: CheckContext) -> str | None:
    return aws.bucket_policy(ctx, ctx.names["bucket"])


def _explanation(record: dict) -> dict:
    return {"ja": explain(record, "ja"), "en": explain(record, "en")}


# ---- resources ------------------------------------------------------------------------------

def bucket_has_file(ctx: CheckContext):
    bucket = ctx.names["bucket"]
    if bucket not in aws.bucket_names(ctx):
        return failed("missing", found=", ".join(aws.bucket_names(ctx)) or "-")
    location = aws.bucket_region(ctx, bucket)
    if location != ctx.region:
        return failed("other-region", location=location)
    objects = ctx.client("s3").list_objects_v2(Bucket=bucket, MaxKeys=5).get("Contents", [])
    if not objects:
        return failed("empty")
    return passed(key=objects[0]["Key"])


def role_trusts_ec2(ctx: CheckContext):
    found = aws.role(ctx, ctx.names["role"])
    if found is None:
        return failed("missing")
    trust = found["AssumeRolePolicyDocument"]
    request = iam_policy.Request("sts:AssumeRole", found["Arn"], {"Service": "ec2.amazonaws.com"})
    if not iam_policy.evaluate(trust, request).allowed:
        return failed("no-ec2", debug=json.dumps(trust))
    return passed()


def role_can_list_bucket(ctx: CheckContext):
    found = aws.role(ctx, ctx.names["role"])
    identities, boundary = aws.role_policies(ctx, ctx.names["role"])
    session = f"arn:aws:sts::{ctx.account_id}:assumed-role/{ctx.names['role']}/i-0123456789abcdef0"
    request = iam_policy.Request("s3:ListBucket", f"arn:aws:s3:::{ctx.names['bucket']}", {"AWS": session},
                                 iam_policy.principal_keys(session, role_arn=found["Arn"]))
    decision = iam_policy.authorize(request, identity=identities, boundary=boundary)
    if not decision.allowed:
        return failed("not-allowed", policies=[p.name for p in identities] or "-",
                      explanation=_explanation({**decision.as_dict(), "principal": session,
                                                "action": "s3:ListBucket", "resource": request.resource}))
    return passed(policy=decision.policy)


def instance_profile_holds_role(ctx: CheckContext):
    profiles = _profiles_with_role(ctx)
    if not profiles:
        return failed("missing")
    return passed(profile=profiles[0]["InstanceProfileName"])


def _instance_check(ctx: CheckContext, subnet_key: str, need_public_ip: bool):
    subnet = _vpc(ctx).get(subnet_key)
    if not subnet:
        return failed("no-subnet")
    running = _instances(ctx, subnet_key)
    if not running:
        return failed("none", subnet=subnet)
    found = _with_role(ctx, running)
    if not found:
        return failed("no-role", instances=[i["InstanceId"] for i in running])
    instance = found[0]
    if need_public_ip and not instance.get("PublicIpAddress"):
        return failed("no-public-ip", instance=instance["InstanceId"])
    return passed(instance=instance["InstanceId"], ip=instance.get("PublicIpAddress") or instance["PrivateIpAddress"])


def public_instance(ctx: CheckContext):
    return _instance_check(ctx, "public_subnet", need_public_ip=True)


def private_instance(ctx: CheckContext):
    return _instance_check(ctx, "private_subnet", need_public_ip=False)


def endpoint_on_private_route_table(ctx: CheckContext):
    seeded = _vpc(ctx)
    if not seeded.get("private_table"):
        return failed("no-vpc")
    endpoints = _endpoints(ctx)
    if not endpoints:
        return failed("missing")
    endpoint = _private_endpoint(ctx)
    if endpoint is None:
        return failed("other-tables", endpoint=endpoints[0]["VpcEndpointId"],
                      tables=endpoints[0].get("RouteTableIds") or "-")
    if endpoint.get("VpcEndpointType", "Gateway") != "Gateway":
        return failed("not-gateway", endpoint=endpoint["VpcEndpointId"], kind=endpoint["VpcEndpointType"])
    # The endpoint's route (destination: S3's prefix list) must be in the private route table.
    table = ctx.client("ec2").describe_route_tables(
        RouteTableIds=[seeded["private_table"]["RouteTableId"]])["RouteTables"][0]
    if not any(r.get("GatewayId") == endpoint["VpcEndpointId"] for r in table.get("Routes", [])):
        return failed("no-route", endpoint=endpoint["VpcEndpointId"])
    return passed(endpoint=endpoint["VpcEndpointId"])


def bucket_policy_requires_endpoint(ctx: CheckContext):
    raw = _bucket_policy(ctx)
    if raw is None:
        return failed("no-policy")
    endpoint = _private_endpoint(ctx)["VpcEndpointId"]
    role_arn = (aws.role(ctx, ctx.names["role"]) or {}).get("Arn", f"arn:aws:iam::{ctx.account_id}:role/{ctx.names['role']}")
    session = f"arn:aws:sts::{ctx.account_id}:assumed-role/{ctx.names['role']}/i-0123456789abcdef0"
    identities, boundary = aws.role_policies(ctx, ctx.names["role"])
    resource = f"arn:aws:s3:::{ctx.names['bucket']}"

    def decide(network: dict) -> iam_policy.Decision:
        request = iam_policy.Request("s3:ListBucket", resource, {"AWS": session},
                                     {**iam_policy.principal_keys(session, role_arn=role_arn), **network})
        return iam_policy.authorize(request, identity=identities, boundary=boundary,
                                    resource=iam_policy.Policy(raw, iam_policy.BUCKET_POLICY))

    def record(decision):
        return _explanation({**decision.as_dict(), "principal": session, "action": "s3:ListBucket",
                             "resource": resource})

    try:
        through = decide({"aws:SourceVpce": endpoint, "aws:SourceVpc": _vpc(ctx)["vpc"],
                          "aws:VpcSourceIp": "10.0.1.10"})
        internet = decide({"aws:SourceIp": INTERNET_ADDRESS})
    except iam_policy.PolicyError as exc:
        return failed("invalid", problem=str(exc))
    if not through.allowed:
        return failed("denies-endpoint", endpoint=endpoint, explanation=record(through), debug=raw)
    if internet.allowed:
        return failed("allows-internet", explanation=record(internet), debug=raw)
    return passed(endpoint=endpoint, sid=internet.sid or "-")


# ---- flows ----------------------------------------------------------------------------------

def _list_from_instance(ctx: CheckContext, subnet_key: str) -> dict:
    """List the bucket from the subnet's instance as `aws s3 ls` on it would; returns what happened:
    {"outcome": allowed|denied|no-route|no-credentials|refused|error, ...}."""
    instance = _instance(ctx, subnet_key)["InstanceId"]
    found = ctx.emulator.network_path(ctx.account_id, ctx.region, instance, "s3")
    path = found["service"]
    facts = {"instance": instance, "via": path["via"], "source": path.get("source_ip") or path.get("vpce_id") or "-",
             "route_table": path.get("route_table_id") or "-", "problem": path.get("problem") or "-"}
    if path["via"] == "none":
        return {"outcome": "no-route", **facts}
    credentials = ctx.emulator.instance_credentials(ctx.account_id, ctx.region, instance)
    if credentials is None:
        return {"outcome": "no-credentials", **facts}
    if credentials.get("Code") != "Success":
        return {"outcome": "refused", "code": credentials.get("Code"), **facts}
    s3 = aws.instance_client(ctx, instance, "s3", credentials)
    return _list(ctx, s3, facts)


def _list(ctx: CheckContext, s3, facts: dict) -> dict:
    try:
        answer = s3.list_objects_v2(Bucket=ctx.names["bucket"])
    except ClientError as exc:
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "")
        entry = aws.s3_decision(ctx, request_id)
        outcome = "denied" if aws.error_code(exc) == "AccessDenied" else "error"
        return {"outcome": outcome, "code": aws.error_code(exc), "error": str(exc), "entry": entry, **facts}
    entry = aws.s3_decision(ctx, answer["ResponseMetadata"]["RequestId"])
    return {"outcome": "allowed", "keys": [o["Key"] for o in answer.get("Contents", [])], "entry": entry, **facts}


def _facts(result: dict) -> dict:
    shown = {k: v for k, v in result.items() if k not in ("outcome", "entry", "keys", "error")}
    shown["explanation"] = _explanation(result["entry"]) if result.get("entry") else {"ja": "", "en": ""}
    return shown


def _unexpected(result: dict):
    """The outcomes that are wrong for every flow (no path, no credentials, another error)."""
    outcome = result["outcome"]
    if outcome == "no-route":
        return failed("no-route", **_facts(result))
    if outcome in ("no-credentials", "refused"):
        return failed("no-credentials", **_facts(result), code=result.get("code") or "404")
    if outcome == "error":
        return failed("error", **_facts(result), debug=result["error"])
    return None


def _instance_listing(ctx: CheckContext, subnet_key: str, wanted: str):
    """Judge the listing from the subnet's instance: `wanted` is "denied" or "allowed"; the other
    outcome fails with its own message."""
    result = _list_from_instance(ctx, subnet_key)
    problem = _unexpected(result)
    if problem:
        return problem
    if result["outcome"] != wanted:
        return failed(result["outcome"], **_facts(result))
    if wanted == "allowed" and not result["keys"]:
        return failed("empty", **_facts(result))
    return passed(**_facts(result), count=len(result.get("keys", [])))


def list_from_public_denied(ctx: CheckContext):
    return _instance_listing(ctx, "public_subnet", "denied")


def list_from_private_allowed(ctx: CheckContext):
    return _instance_listing(ctx, "private_subnet", "allowed")


def list_from_host_denied(ctx: CheckContext):
    # As the learner on their own machine: the account's root credentials, not the grader's marker.
    result = _list(ctx, ctx.probe_client("s3"), {"source": "host"})
    if result["outcome"] == "allowed":
        return failed("allowed", **_facts(result))
    if result["outcome"] == "error":
        return failed("error", **_facts(result), debug=result["error"])
    return passed(**_facts(result))
