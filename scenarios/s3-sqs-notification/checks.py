"""Checks of s3-sqs-notification: one function per check id in scenario.yaml.

The queue policy is judged the way AWS would judge S3's delivery: S3 calls sqs:SendMessage as the
service principal s3.amazonaws.com with aws:SourceArn = the bucket ARN and aws:SourceAccount = the
bucket owner (Amazon S3 User Guide, "Granting permissions to publish event notification messages
to a destination"). Any policy that allows exactly that passes, the blog's own (Principal AWS:*,
Action SQS:*, narrowed by ArnLike aws:SourceArn) included.
"""

from __future__ import annotations

import fnmatch
import json
import time
import uuid

from grader import aws
from grader.check import CheckContext, failed, passed
from grader.flows import Journal, expect_hop
from sandbox import iam_policy

FLOW_WAIT_S = 10.0
OTHER_ACCOUNT = "999999999999"


def bucket_exists(ctx: CheckContext):
    names = aws.bucket_names(ctx)
    if ctx.names["bucket"] not in names:
        return failed("missing", found=", ".join(names) or "-")
    # S3 notifies only destinations in the bucket's own region (S3 User Guide, event notifications).
    location = aws.bucket_region(ctx, ctx.names["bucket"])
    if location != ctx.region:
        return failed("other-region", location=location)
    return passed()


def queue_exists(ctx: CheckContext):
    found = aws.queue(ctx, ctx.names["queue"])
    if not found:
        return failed("missing", found=", ".join(aws.queue_names(ctx)) or "-")
    if found["attributes"].get("FifoQueue") == "true":
        return failed("fifo")
    key = found["attributes"].get("KmsMasterKeyId")
    if key and _aws_managed_key(ctx, key):
        return failed("managed-key", key=key)
    return passed(arn=found["arn"])


def _aws_managed_key(ctx: CheckContext, key: str) -> bool:
    """S3 cannot deliver to a queue encrypted with the AWS managed key aws/sqs: its key policy
    cannot be changed to let s3.amazonaws.com use it (S3 User Guide, "Walkthrough: Configuring a
    bucket for notifications (SNS topic or SQS queue)"; SQS Developer Guide, "Key management")."""
    if key.endswith("alias/aws/sqs"):
        return True
    try:
        return ctx.client("kms").describe_key(KeyId=key)["KeyMetadata"].get("KeyManager") == "AWS"
    except ctx.client("kms").exceptions.NotFoundException:
        return False


def _s3_delivery(ctx: CheckContext, bucket: str, account: str) -> iam_policy.Request:
    return iam_policy.Request(
        action="sqs:SendMessage",
        resource=aws.queue(ctx, ctx.names["queue"])["arn"],
        principal={"Service": "s3.amazonaws.com"},
        context={"aws:SourceArn": f"arn:aws:s3:::{bucket}", "aws:SourceAccount": account},
    )


def queue_policy_allows_s3(ctx: CheckContext):
    queue = aws.queue(ctx, ctx.names["queue"])
    raw = queue["attributes"].get("Policy")
    if not raw:
        return failed("no-policy")
    try:
        decision = iam_policy.evaluate(raw, _s3_delivery(ctx, ctx.names["bucket"], ctx.account_id))
    except iam_policy.PolicyError as exc:
        return failed("invalid", problem=str(exc))
    if decision.effect == iam_policy.DENY:
        return failed("denied", sid=decision.statement.get("Sid", "-"), debug=raw)
    if not decision.allowed:
        return failed("not-allowed", arn=queue["arn"], debug=raw)
    return passed(sid=decision.statement.get("Sid", "-"))


def queue_policy_restricts_source(ctx: CheckContext):
    raw = aws.queue(ctx, ctx.names["queue"])["attributes"]["Policy"]
    other_bucket = f"awslab-other-bucket-{ctx.account_id}"
    if iam_policy.evaluate(raw, _s3_delivery(ctx, other_bucket, ctx.account_id)).allowed:
        return failed("any-bucket", other=other_bucket, debug=raw)
    direct = iam_policy.Request(
        action="sqs:SendMessage",
        resource=aws.queue(ctx, ctx.names["queue"])["arn"],
        principal={"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:user/someone"},
        context={"aws:PrincipalAccount": OTHER_ACCOUNT},
    )
    if iam_policy.evaluate(raw, direct).allowed:
        return failed("anyone", other=OTHER_ACCOUNT, debug=raw)
    return passed()


def _queue_configurations(ctx: CheckContext) -> list[dict]:
    config = aws.bucket_notifications(ctx, ctx.names["bucket"])
    return config.get("QueueConfigurations", [])


def _covers_put(events: list[str]) -> bool:
    return any(fnmatch.fnmatchcase("s3:ObjectCreated:Put", e) for e in events)


def _our_configuration(ctx: CheckContext) -> dict | None:
    arn = aws.queue(ctx, ctx.names["queue"])["arn"]
    mine = [c for c in _queue_configurations(ctx) if c.get("QueueArn") == arn]
    return next((c for c in mine if _covers_put(c.get("Events", []))), mine[0] if mine else None)


def notification_targets_queue(ctx: CheckContext):
    configs = _queue_configurations(ctx)
    if not configs:
        return failed("none")
    arn = aws.queue(ctx, ctx.names["queue"])["arn"]
    ours = _our_configuration(ctx)
    if ours is None:
        return failed("other-queue", targets=[c.get("QueueArn") for c in configs], arn=arn)
    events = ours.get("Events", [])
    if not _covers_put(events):
        return failed("wrong-events", events=events)
    rules = _filter_rules(ours)
    if not _filter_admits(rules, TASK_FILE):
        return failed("filter-excludes", id=ours.get("Id", "-"), file=TASK_FILE,
                      filter=", ".join(f"{name} {value!r}" for name, value in rules.items()))
    return passed(id=ours.get("Id", "-"), events=events)


TASK_FILE = "hane.jpg"  # the task's example upload: "every new object" includes it


def _filter_rules(configuration: dict) -> dict[str, str]:
    rules = configuration.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return {r["Name"].lower(): r["Value"] for r in rules}


def _filter_admits(rules: dict[str, str], key: str) -> bool:
    """S3 sends for a key only when it starts with the prefix and ends with the suffix."""
    return key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", ""))


def notification_named(ctx: CheckContext):
    found = _our_configuration(ctx).get("Id", "")
    if found == ctx.names["notification"]:
        return passed()
    return failed("other-name", found=found or "-")


def _probe_key(configuration: dict) -> str:
    """A key that passes the notification's prefix/suffix filter, so any correct filter works."""
    values = _filter_rules(configuration)
    return f"{values.get('prefix', '')}awslab-probe-{uuid.uuid4().hex[:12]}{values.get('suffix', '')}"


def _messages_about(ctx: CheckContext, key: str) -> list[dict]:
    found = []
    for m in aws.sqs_bodies(ctx, ctx.names["queue"]):
        body = m["ParsedBody"] if isinstance(m["ParsedBody"], dict) else {}
        records = body.get("Records") or []
        if any(r.get("s3", {}).get("object", {}).get("key") == key for r in records) or key in m.get("Body", ""):
            found.append(m)
    return found


def upload_notifies_queue(ctx: CheckContext):
    bucket, queue = ctx.names["bucket"], ctx.names["queue"]
    configuration = _our_configuration(ctx)
    key = _probe_key(configuration)
    s3 = ctx.client("s3")

    def remove_probe_messages():
        ids = [m["MessageId"] for m in _messages_about(ctx, key)]
        if ids:
            ctx.emulator.remove_messages(ctx.account_id, ctx.region, queue, ids)

    def cleanup():
        remove_probe_messages()
        s3.delete_object(Bucket=bucket, Key=key)
        listens_for_removal = any(
            e.startswith("s3:ObjectRemoved") for c in _queue_configurations(ctx) for e in c.get("Events", [])
        )
        if listens_for_removal:  # the deletion sends a message too: wait for it and take it out
            ctx.wait_for(lambda: _messages_about(ctx, key), timeout=FLOW_WAIT_S)
            remove_probe_messages()

    cleanup.__name__ = f"remove probe {key}"
    journal = Journal(ctx)
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key=key, Body=b"awslab probe object\n", ContentType="text/plain")
    ctx.on_cleanup(cleanup)
    messages = ctx.wait_for(lambda: _messages_about(ctx, key), timeout=FLOW_WAIT_S)
    seconds = f"{time.monotonic() - started:.1f}"
    if not messages:
        return failed("no-message", key=key, seconds=f"{FLOW_WAIT_S:g}")
    journal.refresh()
    sent = _sent_by_s3(ctx, journal, [m["MessageId"] for m in messages])
    messages = [m for m in messages if any(m["MessageId"] in e["message_ids"] for e in sent.entries)]
    if not messages:
        return failed("not-from-s3", key=key, by=sent.by, debug=journal.timeline())
    for m in messages:
        body = m["ParsedBody"] if isinstance(m["ParsedBody"], dict) else {}
        for record in body.get("Records") or []:
            if (
                record.get("eventSource") == "aws:s3"
                and record.get("eventName") == "ObjectCreated:Put"
                and record.get("s3", {}).get("bucket", {}).get("name") == bucket
            ):
                return passed(key=key, seconds=seconds)
    return failed("wrong-record", key=key, body=messages[0].get("Body", "")[:200])


def _sent_by_s3(ctx: CheckContext, journal: Journal, message_ids: list[str]):
    """The journal's sends of these messages: S3's deliveries for the bucket, and in `others`
    whoever else sent them (the learner's own SendMessage of a look-alike body)."""
    sent = expect_hop(journal, ("sqs-delivery", "api-call"), principal="s3.amazonaws.com",
                      message_ids=lambda ids: bool(set(ids or []) & set(message_ids)))
    bucket_arn = f"arn:aws:s3:::{ctx.names['bucket']}"
    sent.others += [e for e in sent.entries if e.get("source_arn") != bucket_arn]  # S3, for another bucket
    sent.entries = [e for e in sent.entries if e.get("source_arn") == bucket_arn]
    return sent


def test_event_delivered(ctx: CheckContext):
    bucket = ctx.names["bucket"]
    messages = aws.sqs_bodies(ctx, ctx.names["queue"])
    tests = [m for m in messages if isinstance(m["ParsedBody"], dict)
             and m["ParsedBody"].get("Event") == "s3:TestEvent" and m["ParsedBody"].get("Bucket") == bucket]
    if not tests:
        return failed("missing", count=len(messages), debug=json.dumps([m.get("Body") for m in messages])[:500])
    # the whole journal since the account's reset: S3 sent it when the learner saved the notification
    journal = Journal(ctx, from_start=True)
    journal.refresh()
    sent = _sent_by_s3(ctx, journal, [m["MessageId"] for m in tests])
    for m in tests:
        if any(m["MessageId"] in e["message_ids"] for e in sent.entries):
            return passed(time=m["ParsedBody"].get("Time", "-"))
    if not sent.others:  # sent before the journal's oldest kept hop: let S3 send one again
        return _test_event_again(ctx) or failed("not-from-s3", by="-", debug=journal.timeline())
    return failed("not-from-s3", by=sent.by, debug=journal.timeline())


def _test_event_again(ctx: CheckContext):
    """Save the bucket's notification configuration again, unchanged: S3 sends a new s3:TestEvent.
    Passed when S3 delivered it to the queue (the new message is removed again), else None."""
    bucket, queue = ctx.names["bucket"], ctx.names["queue"]
    journal = Journal(ctx)
    ctx.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=aws.bucket_notifications(ctx, bucket))

    def delivered():
        journal.refresh()
        return [e for e in expect_hop(journal, "sqs-delivery", principal="s3.amazonaws.com", queue=queue,
                                      source_arn=f"arn:aws:s3:::{bucket}", about="s3:TestEvent").entries]

    found = ctx.wait_for(delivered, timeout=FLOW_WAIT_S)
    if not found:
        return None
    ids = [i for e in found for i in e.get("message_ids") or []]
    ctx.on_cleanup(lambda: ctx.emulator.remove_messages(ctx.account_id, ctx.region, queue, ids))
    return passed(time=found[0]["time"])
