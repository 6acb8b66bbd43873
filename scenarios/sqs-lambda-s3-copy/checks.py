"""Checks of sqs-lambda-s3-copy: one function per check id in scenario.yaml.

The flow check uploads the source object as the blog's "動作確認" does and waits for the copy. When
it does not appear, the journal says which hop broke. The blog's handler reads
event['Records'][0]['s3'], the shape of an S3 event sent straight to Lambda; behind an SQS trigger
the function receives SQS records whose `body` holds the S3 notification as JSON text, and the
queue also holds the s3:TestEvent message (AWS Lambda Developer Guide, "Using Lambda with Amazon
SQS", example SQS event; Amazon S3 User Guide, "Event message structure").
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from grader import aws, common_checks
from grader.check import CheckContext, failed, passed
from grader.flows import Journal, error_text, expect_hop, log_excerpt

FLOW_WAIT_S = 20.0  # upload -> notification -> trigger -> function -> copy
LOOP_WAIT_S = 6.0  # time for the copy's own notification to reach the function and be handled
# The waits below pause on the journal (Journal.wait): each hop of the flow ends the pause, so a
# check sees the copy as soon as it is written; this is only the longest pause between two looks.
HOP_WAIT_S = 0.5


def _queue_arn(ctx: CheckContext) -> str:
    return f"arn:aws:sqs:{ctx.region}:{ctx.account_id}:{ctx.names['queue']}"


def role_trusts_lambda(ctx: CheckContext):
    return common_checks.role_trusts_service(ctx, ctx.names["role"])


def role_can_read_queue(ctx: CheckContext):
    # What an SQS trigger does with the function's role (Lambda Developer Guide, "Using Lambda with
    # Amazon SQS": execution role permissions, as in AWSLambdaSQSQueueExecutionRole).
    needs = [(action, _queue_arn(ctx)) for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")]
    missing = aws.role_denied_actions(ctx, ctx.names["role"], needs)
    if missing:
        return failed("not-allowed", actions=missing, arn=_queue_arn(ctx))
    return passed()


def role_can_copy_objects(ctx: CheckContext):
    bucket = ctx.names["bucket"]
    needs = [("s3:GetObject", f"arn:aws:s3:::{bucket}/{ctx.names['source_key']}"),
             ("s3:PutObject", f"arn:aws:s3:::{bucket}/{ctx.names['copy_key']}")]
    missing = aws.role_denied_actions(ctx, ctx.names["role"], needs)
    if missing:
        return failed("not-allowed", actions=missing)
    return passed()


def function_exists(ctx: CheckContext):
    return common_checks.python_function(ctx, ctx.names["function"], ctx.names["role"])


def _function_arn(ctx: CheckContext) -> str:
    return (aws.function(ctx, ctx.names["function"]) or {}).get("FunctionArn", "-")


def _mappings(ctx: CheckContext) -> list[dict]:
    """The function's event source mappings, also those of its aliases and versions (listed by
    the queue: a mapping on an alias is not listed under the function's own name)."""
    lam = ctx.client("lambda")
    found = {m["UUID"]: m for m in lam.list_event_source_mappings(FunctionName=ctx.names["function"])["EventSourceMappings"]}
    for m in lam.list_event_source_mappings(EventSourceArn=_queue_arn(ctx))["EventSourceMappings"]:
        if aws.targets_function(m.get("FunctionArn") or "", _function_arn(ctx)):
            found.setdefault(m["UUID"], m)
    return list(found.values())


def trigger_configured(ctx: CheckContext):
    mappings = _mappings(ctx)
    ours = [m for m in mappings if m.get("EventSourceArn") == _queue_arn(ctx)]
    if not ours:
        return failed("missing", found=", ".join(m.get("EventSourceArn", "-") for m in mappings) or "-")
    enabled = [m for m in ours if m.get("State") in ("Enabled", "Enabling", "Creating")]
    if not enabled:
        return failed("disabled", state=ours[0].get("State"), uuid=ours[0]["UUID"])
    # AWS refuses the mapping (and a later longer timeout) when a message could become visible
    # again while the function still works on it (Lambda Developer Guide, "Using Lambda with
    # Amazon SQS": the visibility timeout must be at least the function timeout).
    queue = aws.queue(ctx, ctx.names["queue"]) or {"attributes": {}}
    visibility = int(queue["attributes"].get("VisibilityTimeout", 30))
    timeout = int((aws.function(ctx, ctx.names["function"]) or {}).get("Timeout", 3))
    if visibility < timeout:
        return failed("visibility-too-short", visibility=visibility, timeout=timeout)
    return passed(uuid=enabled[0]["UUID"], batch=enabled[0].get("BatchSize", "-"))


# ---- the flow: upload the source object, wait for the copy --------------------------------------

def _etag(ctx: CheckContext, key: str) -> str | None:
    try:
        return ctx.client("s3").head_object(Bucket=ctx.names["bucket"], Key=key)["ETag"].strip('"')
    except ctx.client("s3").exceptions.ClientError as exc:
        if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _notification_about(journal: Journal, key: str, bucket: str) -> dict | None:
    """S3's delivery to the queue of the notification about `key` (the first one)."""
    found = [e for e in journal.find("sqs-delivery", principal="s3.amazonaws.com", source_arn=f"arn:aws:s3:::{bucket}")
             if key in (e.get("keys") or [])]
    return found[0] if found else None


def _trigger_of(journal: Journal, message: dict | None, hop: str) -> dict | None:
    ids = set(message.get("message_ids") or []) if message else set()
    found = [e for e in journal.find(hop, after=message) if ids & set(e.get("message_ids") or [])]
    return found[0] if found else None


def upload_makes_copy(ctx: CheckContext):
    bucket, source, copy = ctx.names["bucket"], ctx.names["source_key"], ctx.names["copy_key"]
    body = b"awslab probe " + os.urandom(24)
    expected = hashlib.md5(body).hexdigest()  # the ETag of a single-part object (S3 API reference)
    journal = Journal(ctx)
    started = time.monotonic()
    ctx.client("s3").put_object(Bucket=bucket, Key=source, Body=body, ContentType="image/jpeg")

    def settled():
        journal.refresh()
        message = _notification_about(journal, source, bucket)
        done = _trigger_of(journal, message, "trigger-done")
        if done and done.get("status") != "ok":
            return "failed"  # the function failed on the grader's message: the journal says why
        if message and message.get("status") in ("denied", "error"):
            return "failed"
        # The function has returned, so its writes are complete: the copy is final.
        return "done" if done else None

    outcome = ctx.wait_for(settled, timeout=FLOW_WAIT_S, interval=HOP_WAIT_S, pause=journal.wait)
    seconds = f"{time.monotonic() - started:.1f}"
    written = _copy_by_function(ctx, journal)
    if outcome != "done" or not written:
        time.sleep(0.3)  # let the last hops of a slow run land before reading them
        journal.refresh()
        return _broken_hop(ctx, journal, seconds)
    if _etag(ctx, copy) != expected:
        size = ctx.client("s3").head_object(Bucket=bucket, Key=copy)["ContentLength"]
        return failed("different-bytes", size=size, expected_size=len(body))
    return _copy_notification(ctx, journal) or passed(seconds=seconds)


def _trigger_runs(ctx: CheckContext, journal: Journal, message: dict | None) -> list[dict]:
    """The function's runs on the batch that held `message`: between the trigger passing it on and
    the trigger's outcome (the mapping invokes synchronously)."""
    invoked = _trigger_of(journal, message, "trigger-invoked")
    done = _trigger_of(journal, message, "trigger-done")
    if invoked is None:
        return []
    end = done["seq"] if done else float("inf")
    return [r for r in journal.lambda_results(ctx.names["function"], after=invoked) if r["seq"] < end]


def _copy_by_function(ctx: CheckContext, journal: Journal):
    """The copy written by the function run that the trigger invoked for the grader's upload; a
    copy anyone else wrote (a script of the learner's) is in `others`."""
    bucket, source = ctx.names["bucket"], ctx.names["source_key"]
    message = _notification_about(journal, source, bucket)
    # from the grader's upload on (a script's copy can come before S3's notification does)
    return expect_hop(journal, "s3-delivery", via=_trigger_runs(ctx, journal, message),
                      bucket=bucket, key=ctx.names["copy_key"])


def _copy_notification(ctx: CheckContext, journal: Journal):
    """The copy is a new object too: its notification reaches the function. Handling it must neither
    fail (SQS would return it after every visibility timeout) nor write the copy again (S3 -> SQS ->
    Lambda -> S3 into the same bucket is then a loop). None when all is well."""
    bucket, copy = ctx.names["bucket"], ctx.names["copy_key"]

    def handled():
        journal.refresh()
        return _trigger_of(journal, _notification_about(journal, copy, bucket), "trigger-done")

    done = ctx.wait_for(handled, timeout=LOOP_WAIT_S, interval=HOP_WAIT_S, pause=journal.wait)
    if not done:
        return None  # it did not come back within the wait: nothing to judge
    writes = expect_hop(journal, "s3-delivery", via=journal.lambda_results(ctx.names["function"]),
                        bucket=bucket, key=copy).entries
    if len(writes) > 1:
        return failed("loop", writes=len(writes) - 1, debug=journal.timeline())
    if done.get("status") != "ok":
        invoked = _trigger_of(journal, _notification_about(journal, copy, bucket), "trigger-invoked")
        failure = next((r for r in journal.lambda_results(ctx.names["function"], after=invoked)
                        if r["status"] != "ok"), None)
        return failed("copy-notification-fails", error=error_text(failure) if failure else done.get("error") or "-",
                      debug=journal.timeline())
    return None


def _broken_hop(ctx: CheckContext, journal: Journal, seconds: str):
    bucket, source, copy = ctx.names["bucket"], ctx.names["source_key"], ctx.names["copy_key"]
    function = ctx.names["function"]
    debug = journal.timeline()
    written = _copy_by_function(ctx, journal)
    if not written and written.others:
        return failed("written-by-other", by=written.by, debug=debug)
    uploads = journal.find("s3-delivery", bucket=bucket, key=source)
    if not uploads or uploads[0].get("error_code"):
        return failed("upload-failed", error=(uploads[0].get("error_code") if uploads else "-"), debug=debug)
    message = _notification_about(journal, source, bucket)
    if message is None:
        return failed("not-notified", seconds=seconds, debug=debug)
    if message.get("status") in ("denied", "error"):
        return failed("notification-refused", error=message.get("error_code") or message.get("status"), debug=debug)
    invoked = _trigger_of(journal, message, "trigger-invoked")
    # The poller applies the trigger's FilterCriteria after taking the batch (and deletes what the
    # filter leaves out, as AWS does): no function run at all then means the filter said no.
    filters = [json.dumps(m["FilterCriteria"]) for m in _mappings(ctx)
               if m.get("EventSourceArn") == _queue_arn(ctx) and (m.get("FilterCriteria") or {}).get("Filters")]
    if filters and not (invoked and journal.lambda_results(function, after=invoked)):
        return failed("filtered", filter="; ".join(filters)[:600], seconds=seconds, debug=debug)
    if invoked is None:
        return failed("not-triggered", seconds=seconds, debug=debug)
    if not aws.targets_function(invoked.get("function_arn") or "", _function_arn(ctx)):
        return failed("other-function", other=(invoked.get("function_arn") or "-").rsplit(":", 1)[-1], debug=debug)
    results = journal.lambda_results(function, after=invoked)
    done = _trigger_of(journal, message, "trigger-done")
    if results and results[0]["status"] != "ok":
        result = results[0]
        if result["status"] == "timeout":
            return failed("function-timeout", error=error_text(result), debug=debug)
        return failed(_failure_key(result), error=error_text(result), log=log_excerpt(result), debug=debug)
    if done and done.get("status") != "ok":
        return failed("trigger-failed", error=done.get("error") or "-", debug=debug)
    if not results:
        return failed("not-run", seconds=seconds, debug=debug)
    writes = [f"{e.get('key')}" for e in journal.find("s3-delivery", after=invoked) if e.get("key") != source]
    if copy not in writes:
        return failed("no-copy", written=", ".join(writes) or "-", log=log_excerpt(results[0]), debug=debug)
    return failed("not-yet", seconds=seconds, debug=debug)


def _failure_key(result: dict) -> str:
    """Which explanation fits the function's error: the S3-event shape, the s3:TestEvent message, or
    a failure of its own."""
    error_type, message = result.get("error_type") or "", result.get("error_message") or ""
    if error_type == "KeyError" and message.strip("'\"") == "s3":
        return "s3-event-shape"
    if error_type in ("KeyError", "TypeError", "IndexError") and "Records" in message:
        return "test-event"
    return "function-failed"


# ---- the s3:TestEvent message ---------------------------------------------------------------------

def test_event_skipped(ctx: CheckContext):
    """S3 sends s3:TestEvent whenever a bucket's notification configuration is saved (S3 User Guide,
    "Event message structure"). The grader saves the configuration again, unchanged, and watches the
    function handle the new test message: it must not fail on it, or the message returns to the
    queue after every visibility timeout and fails again."""
    bucket = ctx.names["bucket"]
    s3 = ctx.client("s3")
    configuration = aws.bucket_notifications(ctx, bucket)
    journal = Journal(ctx)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)

    def test_message():
        journal.refresh()
        found = [e for e in journal.find("sqs-delivery", principal="s3.amazonaws.com", source_arn=f"arn:aws:s3:::{bucket}")
                 if e.get("about") == "s3:TestEvent"]
        return found[0] if found else None

    done = ctx.wait_for(lambda: _trigger_of(journal, test_message(), "trigger-done"), timeout=FLOW_WAIT_S,
                        interval=HOP_WAIT_S, pause=journal.wait)
    if done is None:
        return failed("not-handled", debug=journal.timeline())
    if done.get("status") == "ok":
        return passed()
    invoked = _trigger_of(journal, test_message(), "trigger-invoked")
    failure = next((r for r in journal.lambda_results(ctx.names["function"], after=invoked) if r["status"] != "ok"), None)
    if failure is None:
        return failed("fails", error=done.get("error") or "-", log="-", debug=journal.timeline())
    return failed("fails", error=error_text(failure), log=log_excerpt(failure), debug=journal.timeline())
