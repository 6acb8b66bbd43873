"""Small look-ups that many scenarios' checks share (one place for each)."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from .check import Env


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def bucket_names(env: Env) -> list[str]:
    """Buckets owned by the learner's account (head_bucket would also see other accounts')."""
    return [b["Name"] for b in env.client("s3").list_buckets().get("Buckets", [])]


def bucket_region(env: Env, bucket: str) -> str:
    """GetBucketLocation answers no constraint for us-east-1 (S3 API reference)."""
    location = env.client("s3").get_bucket_location(Bucket=bucket).get("LocationConstraint")
    return location or "us-east-1"


def bucket_policy(env: Env, bucket: str) -> str | None:
    """The bucket's policy document (JSON text), or None when it has none. Memoised per run."""

    def look_up():
        try:
            return env.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucketPolicy":
                return None
            raise

    return env.memoised(f"s3-policy:{bucket}", look_up)


def queue_names(env: Env) -> list[str]:
    urls = env.client("sqs").list_queues().get("QueueUrls", [])
    return [u.rsplit("/", 1)[-1] for u in urls]


def queue(env: Env, name: str) -> dict | None:
    """{"url", "arn", "attributes"} of the learner's queue `name`, or None. Memoised per run."""

    def look_up():
        sqs = env.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as exc:
            if "NonExistentQueue" in error_code(exc) or "QueueDoesNotExist" in error_code(exc):
                return None
            raise
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return {"url": url, "arn": attributes["QueueArn"], "attributes": attributes}

    return env.memoised(f"sqs-queue:{name}", look_up)


def bucket_notifications(env: Env, bucket: str) -> dict:
    """The bucket's notification configuration. Memoised per run."""

    def look_up():
        config = env.client("s3").get_bucket_notification_configuration(Bucket=bucket)
        config.pop("ResponseMetadata", None)
        return config

    return env.memoised(f"s3-notifications:{bucket}", look_up)


def sqs_bodies(env: Env, queue_name: str) -> list[dict]:
    """Messages of the learner's queue, peeked (nothing received), bodies parsed when JSON."""
    messages = env.emulator.peek_messages(env.account_id, env.region, queue_name)
    for m in messages:
        try:
            m["ParsedBody"] = json.loads(m.get("Body", ""))
        except ValueError:
            m["ParsedBody"] = None
    return messages


def instance_client(env: Env, instance_id: str, service: str, credentials: dict):
    """A boto3 client that calls as the instance does: with the role credentials its metadata
    service served (EmulatorClient.instance_credentials), not marked as the grader's."""
    import boto3
    from botocore.config import Config

    from sandbox.accounts import CLIENT_CONFIG

    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["Token"], region_name=env.region)
    return session.client(service, endpoint_url=env.account.endpoint, config=Config(**CLIENT_CONFIG))


def journal_entry(env: Env, hop: str, request_id: str) -> dict | None:
    """The latest event journal entry of `hop` recorded for one request (by its request id)."""
    for entry in reversed(env.emulator.journal(env.account_id)):
        if entry.get("hop") == hop and entry.get("request_id") == request_id:
            return entry
    return None


def s3_decision(env: Env, request_id: str) -> dict | None:
    """The S3 policy enforcement's journaled decision for one request (hop "s3-authorization",
    sandbox/plugins/authz/s3.py), found by the request id S3 answered with."""
    return journal_entry(env, "s3-authorization", request_id)


def athena_run(athena, sql: str, output: str, database: str = "default", timeout: float = 60) -> dict:
    """Run one Athena statement and wait for it: {"id", "state", "reason", "columns", "rows"}.

    `athena` is a boto3 Athena client; `rows` are lists of text values (None for NULL) without
    the header row Athena puts first for SELECT; `columns` are the ColumnInfo names.
    """
    import time

    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": output},
    )["QueryExecutionId"]
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        status = execution["Status"]
        if status["State"] not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    out = {"id": qid, "state": status["State"], "reason": status.get("StateChangeReason", ""),
           "columns": [], "rows": []}
    if status["State"] != "SUCCEEDED":
        return out
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid)
    skip_header = execution.get("StatementType") == "DML"  # a SELECT's first row names the columns
    for page in pages:
        result = page["ResultSet"]
        out["columns"] = [c["Name"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
        for row in result["Rows"]:
            if skip_header:
                skip_header = False
                continue
            out["rows"].append([d.get("VarCharValue") for d in row["Data"]])
    return out


# ---- IAM roles ---------------------------------------------------------------------------------

def role(env: Env, name: str) -> dict | None:
    """GetRole's Role (AssumeRolePolicyDocument as a dict), or None. Memoised per run."""

    def look_up():
        try:
            found = env.client("iam").get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return None
            raise
        found["AssumeRolePolicyDocument"] = _document(found.get("AssumeRolePolicyDocument") or {})
        return found

    return env.memoised(f"iam-role:{name}", look_up)


def role_names(env: Env) -> list[str]:
    pages = env.client("iam").get_paginator("list_roles").paginate()
    return [r["RoleName"] for page in pages for r in page["Roles"]]


def _managed_document(iam, arn: str) -> dict:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _document(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


def role_policy_documents(env: Env, name: str) -> list[tuple[str, dict]]:
    """[(policy name, document)] of the role's identity policies: attached managed policies (AWS
    managed such as AmazonEC2FullAccess included), then inline ones named "<name> (inline)".
    Memoised per run."""

    def look_up():
        iam = env.client("iam")
        found = []
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
            for attached in page["AttachedPolicies"]:
                found.append((attached["PolicyName"], _managed_document(iam, attached["PolicyArn"])))
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page["PolicyNames"]:
                document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
                found.append((f"{policy_name} (inline)", _document(document)))
        return found

    return env.memoised(f"iam-role-policy-documents:{name}", look_up)


def role_policies(env: Env, name: str) -> tuple[list, object]:
    """(identity-based policies, permissions boundary or None) of a role as sandbox.iam_policy.Policy
    objects named after the policy, for iam_policy.authorize."""
    from sandbox.iam_policy import Policy

    def look_up():
        found = [Policy(document, label) for label, document in role_policy_documents(env, name)]
        boundary_arn = (role(env, name) or {}).get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        boundary = None
        if boundary_arn:
            boundary = Policy(_managed_document(env.client("iam"), boundary_arn), boundary_arn.rsplit("/", 1)[-1])
        return found, boundary

    return env.memoised(f"iam-role-policies:{name}", look_up)


def _document(document) -> dict:
    """A policy document as a dict (boto3 decodes IAM's URL-encoded JSON; a raw string may still come)."""
    if isinstance(document, str):
        from urllib.parse import unquote

        return json.loads(unquote(document))
    return document


def role_denied_actions(env: Env, name: str, needs: list[tuple[str, str]]) -> list[str]:
    """The actions of `needs` ([(action, resource ARN)]) that the role's identity policies do not
    allow (an explicit Deny in any policy wins; IAM User Guide, policy evaluation logic)."""
    from sandbox import iam_policy

    documents = role_policy_documents(env, name)
    missing = []
    for action, resource in needs:
        request = iam_policy.Request(action=action, resource=resource)
        decisions = [iam_policy.evaluate(doc, request) for _, doc in documents]
        if any(d.effect == iam_policy.DENY for d in decisions) or not any(d.allowed for d in decisions):
            missing.append(action)
    return missing


def trusts_service(role_: dict, service: str) -> bool:
    """Whether the role's trust policy lets `service` (lambda.amazonaws.com) assume it."""
    from sandbox import iam_policy

    request = iam_policy.Request(action="sts:AssumeRole", resource=role_["Arn"], principal={"Service": service})
    try:
        return iam_policy.evaluate(role_["AssumeRolePolicyDocument"], request).allowed
    except iam_policy.PolicyError:
        return False


# ---- Lambda ------------------------------------------------------------------------------------

def function(env: Env, name: str) -> dict | None:
    """GetFunctionConfiguration of the learner's function, or None. Memoised per run."""

    def look_up():
        try:
            found = env.client("lambda").get_function_configuration(FunctionName=name)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise
        found.pop("ResponseMetadata", None)
        return found

    return env.memoised(f"lambda-function:{name}", look_up)


def function_names(env: Env) -> list[str]:
    pages = env.client("lambda").get_paginator("list_functions").paginate()
    return [f["FunctionName"] for page in pages for f in page["Functions"]]


def function_policy(env: Env, name: str, qualifier: str | None = None) -> dict | None:
    """The resource-based policy (AddPermission statements) of the function, or of one of its
    aliases or versions (each qualifier has its own policy on AWS), or None."""
    try:
        raw = env.client("lambda").get_policy(FunctionName=name, **({"Qualifier": qualifier} if qualifier else {}))["Policy"]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    return json.loads(raw)


def function_qualifier(target_arn: str, function_arn: str) -> str | None:
    """The alias or version a target ARN names (None for the function itself)."""
    return target_arn[len(function_arn) + 1:] or None if target_arn.startswith(function_arn + ":") else None


def targets_function(target_arn: str, function_arn: str) -> bool:
    """A target ARN names the function itself or one of its versions/aliases (":<qualifier>")."""
    return target_arn == function_arn or target_arn.startswith(function_arn + ":")


# ---- EventBridge -------------------------------------------------------------------------------

def bus_rules(env: Env, bus: str = "default") -> list[dict]:
    """The rules of an event bus, each with its "Targets". Memoised per run."""

    def look_up():
        events = env.client("events")
        rules, token = [], None
        while True:
            page = events.list_rules(EventBusName=bus, **({"NextToken": token} if token else {}))
            rules += page.get("Rules", [])
            token = page.get("NextToken")
            if not token:
                break
        for rule_ in rules:
            rule_["Targets"] = events.list_targets_by_rule(Rule=rule_["Name"], EventBusName=bus).get("Targets", [])
        return rules

    return env.memoised(f"events-rules:{bus}", look_up)


def pattern_matches(env: Env, pattern: str, event: dict) -> bool:
    """EventBridge's own verdict (TestEventPattern) on whether `pattern` matches `event`."""
    return env.client("events").test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]


# ---- EC2 ---------------------------------------------------------------------------------------

def instance_named(env: Env, name: str) -> dict | None:
    """The learner's newest instance whose Name tag is `name` and which is not terminated."""
    pages = env.client("ec2").get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:Name", "Values": [name]},
                 {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
    found = [i for page in pages for r in page["Reservations"] for i in r["Instances"]]
    return max(found, key=lambda i: i["LaunchTime"]) if found else None


def instance_state(env: Env, instance_id: str) -> str:
    reservations = env.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["State"]["Name"]
