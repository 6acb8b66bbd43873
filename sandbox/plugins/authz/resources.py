"""The resource-based policy of a resource, read from LocalStack's (or moto's) store.

SQS queue policy (queue attribute Policy), SNS topic policy (topic attribute Policy), Lambda function
policy (AddPermission statements of the function or the qualifier), KMS key policy, Secrets
Manager resource policy (PutResourcePolicy), EventBridge event bus policy (PutPermission). Each
answer is (policy document or None, resource exists, ARN as the store knows it).
"""

from __future__ import annotations

import json

from sandbox import iam_policy

from .actions import Target

NAMES = {"queue": "queue policy", "topic": "topic policy", "function": "function policy",
         "key": "key policy", "secret": "resource policy", "event-bus": "event bus policy",
         "rule": "event bus policy"}


def lookup(target: Target, region: str) -> tuple[object, bool, str]:
    """(document or None, whether the resource exists, its ARN); the ARN's region when it has one."""
    parts = target.resource.split(":")
    region = parts[3] if len(parts) > 3 and parts[3] else region
    try:
        return _LOOKUPS[target.kind](target, target.account, region)
    except KeyError:
        return None, False, target.resource


def _queue(target, account, region):
    from localstack.services.sqs.models import sqs_stores

    queue = sqs_stores[account][region].queues[target.name]
    return queue.attributes.get("Policy") or None, True, queue.arn


def _topic(target, account, region):
    from localstack.services.sns.models import sns_stores

    topic = sns_stores[account][region].topics[target.name]
    return topic["attributes"].get("Policy") or None, True, topic["arn"]


def _function(target, account, region):
    from localstack.services.lambda_.invocation.models import lambda_stores

    function = lambda_stores[account][region].functions[target.name]
    qualifier = target.resource.split(":")[7] if target.resource.count(":") >= 7 else "$LATEST"
    statements = []
    for key in {qualifier, "$LATEST"}:
        permission = function.permissions.get(key)
        if permission is not None:
            statements.extend(permission.policy.Statement)
    document = {"Version": "2012-10-17", "Statement": statements} if statements else None
    return document, True, target.resource


def _key(target, account, region):
    from localstack.services.kms.models import kms_stores

    store = kms_stores[account][region]
    key_id = target.name.rsplit("/", 1)[-1] if target.name.startswith("arn:") and ":key/" in target.name \
        else target.name
    if key_id.startswith("alias/") or ":alias/" in key_id:
        alias = store.aliases[key_id[key_id.index("alias/"):]]
        key_id = alias.metadata["TargetKeyId"]
    key = store.keys[key_id]
    return key.policy, True, key.metadata["Arn"]


def _secret(target, account, region):
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[account][region].secrets.get(target.name)
    if secret is None:
        raise KeyError(target.name)
    return getattr(secret, "policy", None) or None, True, secret.arn


def _bus(target, account, region):
    from localstack.services.events.models import events_stores

    bus = events_stores[account][region].event_buses[target.name]
    return (dict(bus.policy) if bus.policy else None), True, bus.arn


_LOOKUPS = {"queue": _queue, "topic": _topic, "function": _function, "key": _key, "secret": _secret,
            "event-bus": _bus, "rule": _bus}


def policy_of(target: Target, region: str):
    """(iam_policy.Policy or None, exists, arn)."""
    if target.kind is None or target.account is None:
        return None, False, target.resource
    document, exists, arn = lookup(target, region)
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            pass
    return (iam_policy.Policy(document, NAMES[target.kind]) if document else None), exists, arn
