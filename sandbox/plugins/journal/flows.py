"""Where the journal's hops come from: a response handler on LocalStack's request chain and patches
on LocalStack's EventBridge provider and Lambda SQS trigger (event source mapping).

Hops recorded here (fields besides seq/time/account/region/hop; the Lambda executor adds
`lambda-result`):

  api-call          a learner's (or a function's) call that starts a flow: service, operation,
                    status (HTTP), error_code/error_message when it failed, access_key, caller
                    (the principal's ARN), and what it touched (instance_ids, bucket/key, queue, function, topic, entries;
                    message_ids of a SendMessage(Batch), so a message can be traced to its sender)
  event-put         an event put on a bus: bus, event_id, source, detail_type, resources, detail
  rule-matched      a rule of that bus matched the event: rule, rule_arn, bus, event_id, targets
  rule-not-matched  it did not (reason "pattern" or "disabled"): same fields
  target-invoked    EventBridge hands the event to a target: rule, target_id, target_arn, service,
                    event_id, input (event|constant|path|transformer)
  target-failed     that delivery failed (e.g. the queue policy refused it): same fields, error
  trigger-invoked   a Lambda SQS trigger passed a batch to its function: queue_arn, function_arn,
                    message_ids
  trigger-done      the batch's outcome: status ok (messages deleted) | error (messages stay and come
                    back after the visibility timeout), error, same ids
  sqs-delivery      an AWS service sent a message to a queue: queue, queue_arn, principal,
                    source_arn, about (S3 event name, s3:TestEvent, detail-type), keys (object keys
                    of an S3 notification), message_ids, status ok|denied|error, error_code/error_message
  service-denied    an AWS service's delivery refused by the target's resource-based policy
                    (service_permissions plugin): principal, source_arn, action, resource, explicit,
                    decision
  sts-assume-role   an AssumeRole (sts_trust plugin): role, caller, outcome allowed|refused,
                    error_code/error_message and decision, or session and access_key_id
  s3-delivery       an object was written: bucket, key, operation, etag, status, access_key and
                    caller, or principal (a service writing, e.g. CloudTrail log delivery)

Hops of requests are recorded when the request arrives and completed (status, errors, ids) when
its response leaves; until then their status is null. Nothing here changes what LocalStack does:
each hook records and then lets the original run (its exceptions pass through unchanged).
"""

from __future__ import annotations

import json
import logging

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from localstack.utils.patch import patch

from sandbox.accounts import GRADER_USER_AGENT

from ..eventbridge_rules import is_disabled
from ..identity.callers import access_key_of, caller_for_key
from .store import record, update

LOG = logging.getLogger(__name__)

# The operations that start flows; reads (Describe/Get/List) and set-up calls are not hops.
FLOW_OPERATIONS = {
    "ec2": {"RunInstances", "StartInstances", "StopInstances", "RebootInstances", "TerminateInstances"},
    "s3": {"DeleteObject", "DeleteObjects"},
    "sqs": {"SendMessage", "SendMessageBatch"},
    "events": {"PutEvents"},
    "lambda": {"Invoke"},
    "sns": {"Publish"},
}
# Object writes are the `s3-delivery` hop, whoever writes (the learner, a function, a service).
S3_WRITES = {"PutObject", "CopyObject", "CompleteMultipartUpload"}
DETAIL_LIMIT = 2000  # characters of an event's detail kept in the journal


# ---- request chain ---------------------------------------------------------------------------
# A hop is recorded when the request arrives (before the service acts), so that what it causes
# (a notification, a function run, a message picked up by a trigger) comes after it in the journal;
# its outcome (status, errors, ids from the response) is filled in when the response leaves.

_ENTRY = "_awslab_journal_entry"  # attribute of the RequestContext holding the hop to complete


def begin_request(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.operation is None:
        return
    service, operation = context.service.service_name, context.operation.name
    try:
        if service == "s3" and operation in S3_WRITES:
            entry = _s3_delivery(context)
        elif service == "sqs" and operation in FLOW_OPERATIONS["sqs"] and context.is_internal_call:
            entry = _sqs_delivery(context)
        elif operation in FLOW_OPERATIONS.get(service, ()) and not context.is_internal_call:
            entry = _api_call(context)
        else:
            return
    except Exception:  # the journal must never break a request; the log says what went wrong
        LOG.exception("awslab journal: could not record %s.%s", service, operation)
        return
    if entry is not None:
        setattr(context, _ENTRY, entry)


def end_request(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    entry = getattr(context, _ENTRY, None)
    if entry is None:
        return
    try:
        update(entry, **_outcome(entry["hop"], context, response))
    except Exception:
        LOG.exception("awslab journal: could not complete %s", entry.get("hop"))


def _outcome(hop: str, context: RequestContext, response: Response) -> dict:
    status = response.status_code
    fields = {"status": status}
    if exc := context.service_exception:
        fields["error_code"] = getattr(exc, "code", type(exc).__name__)
        fields["error_message"] = getattr(exc, "message", str(exc))
    result = context.service_response or {}
    if hop == "sqs-delivery" or context.operation.name in FLOW_OPERATIONS["sqs"]:
        if hop == "sqs-delivery":
            fields["status"] = "ok" if status < 400 else ("denied" if status == 403 else "error")
        # the learner's own SendMessage too: a message in a queue can be traced to who sent it
        fields["message_ids"] = ([result["MessageId"]] if result.get("MessageId")
                                 else [e.get("MessageId") for e in result.get("Successful") or []])
    elif hop == "s3-delivery":
        fields["etag"] = result.get("ETag") or (result.get("CopyObjectResult") or {}).get("ETag")
    elif context.operation.name == "RunInstances":
        fields["instance_ids"] = [i.get("InstanceId") for i in result.get("Instances") or []]
    return fields


def _api_call(context: RequestContext) -> dict:
    request = context.service_request or {}
    return record(context.account_id, context.region, "api-call",
                  service=context.service.service_name, operation=context.operation.name, status=None,
                  **_caller(context), **_touched(context.service.service_name, request))


def _caller(context: RequestContext) -> dict:
    """Who made the call: the access key and its principal's ARN (a function's calls show its role
    session, arn:aws:sts::<account>:assumed-role/<role>/<function>); `grader` when the grader's
    clients made it (their User-Agent carries sandbox.accounts.GRADER_USER_AGENT)."""
    # Only called for the learner's (not LocalStack's internal) requests: the key is read once.
    key = access_key_of(context.request)
    fields = {"access_key": key, "caller": caller_for_key(key).arn if key else None}
    if GRADER_USER_AGENT in (context.request.headers.get("User-Agent") or ""):
        fields["grader"] = True
    return fields


def _touched(service: str, request: dict) -> dict:
    """What the call acts on, in a few plain fields."""
    if service == "ec2":
        return {"instance_ids": list(request.get("InstanceIds") or [])}
    if service == "s3":
        keys = [o.get("Key") for o in (request.get("Delete") or {}).get("Objects") or []]
        return {"bucket": request.get("Bucket"), "key": request.get("Key") or ", ".join(keys)}
    if service == "sqs":
        return {"queue": str(request.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]}
    if service == "events":
        entries = request.get("Entries") or []
        return {"entries": [{"source": e.get("Source"), "detail_type": e.get("DetailType"),
                             "bus": e.get("EventBusName") or "default"} for e in entries]}
    if service == "lambda":
        return {"function": request.get("FunctionName"), "invocation_type": request.get("InvocationType")
                or "RequestResponse"}
    if service == "sns":
        return {"topic": request.get("TopicArn") or request.get("TargetArn")}
    return {}


def _s3_delivery(context: RequestContext) -> dict:
    request = context.service_request or {}
    fields = {"operation": context.operation.name, "bucket": request.get("Bucket"), "key": request.get("Key"),
              "status": None}
    if context.is_internal_call:
        fields["principal"] = (context.internal_request_params or {}).get("service_principal")
    else:
        fields.update(_caller(context))
    if source := request.get("CopySource"):
        fields["copy_source"] = source if isinstance(source, str) else f"{source.get('Bucket')}/{source.get('Key')}"
    return record(context.account_id, context.region, "s3-delivery", **fields)


def _sqs_delivery(context: RequestContext) -> dict | None:
    from localstack.services.sqs.utils import parse_queue_url

    params = context.internal_request_params or {}
    principal = params.get("service_principal")
    if not principal:
        return None  # LocalStack moving messages on its own behalf, not a delivery by an AWS service
    try:
        account_id, region, name = parse_queue_url((context.service_request or {}).get("QueueUrl") or "")
    except ValueError:
        return None
    region = region or context.region
    return record(
        account_id, region, "sqs-delivery",
        queue=name,
        queue_arn=f"arn:aws:sqs:{region}:{account_id}:{name}",
        principal=principal if "." in principal else f"{principal}.amazonaws.com",
        source_arn=params.get("source_arn"),
        status=None,
        **_message_about((context.service_request or {}).get("MessageBody")),
    )


def _message_about(body: str | None) -> dict:
    """What a service's message says, in short: an S3 notification's event and object keys
    (S3 User Guide, "Event message structure"; s3:TestEvent), an EventBridge event's detail-type."""
    try:
        message = json.loads(body or "")
    except ValueError:
        return {}
    if not isinstance(message, dict):
        return {}
    if message.get("Event") == "s3:TestEvent":
        return {"about": "s3:TestEvent", "keys": []}
    records = message.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict) and "s3" in records[0]:
        keys = [r.get("s3", {}).get("object", {}).get("key") for r in records]
        return {"about": records[0].get("eventName"), "keys": keys}
    if "detail-type" in message:
        return {"about": message["detail-type"]}
    return {}


# ---- EventBridge -----------------------------------------------------------------------------

def _event_fields(event: dict) -> dict:
    detail = event.get("detail")
    text = json.dumps(detail, ensure_ascii=False)
    return {
        "event_id": event.get("id"),
        "source": event.get("source"),
        "detail_type": event.get("detail-type"),
        "resources": event.get("resources") or [],
        "detail": detail if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT] + "...",
    }


def _rule_fields(rule, event: dict) -> dict:
    return {
        "rule": rule.name,
        "rule_arn": rule.arn,
        "bus": rule.event_bus_name,
        "event_id": event.get("id"),
        "source": event.get("source"),
        "detail_type": event.get("detail-type"),
        "targets": [t.get("Arn") for t in rule.targets.values()],
    }


def _target_input(target: dict) -> str:
    if "Input" in target:
        return "constant"
    if "InputPath" in target:
        return "path"
    if "InputTransformer" in target:
        return "transformer"
    return "event"


def patch_eventbridge() -> None:
    from localstack.services.events import provider as events_provider
    from localstack.services.events.target import TargetSender

    Provider = events_provider.EventsProvider

    @patch(Provider._proxy_capture_input_event)
    def _event_put(fn, self, event, trace_header, region, account_id):
        # LocalStack calls this hook for every event accepted on an existing bus, before its rules run.
        record(account_id, region, "event-put", bus=event.get("event-bus-name", "default"), **_event_fields(event))
        return fn(self, event, trace_header, region, account_id)

    @patch(Provider._process_rules)
    def _rule_matching(fn, self, rule, region, account_id, event_formatted, trace_header):
        if rule.event_pattern is not None and not rule.schedule_expression:
            if is_disabled(rule):
                matched, reason = False, "disabled"
            else:
                try:
                    matched = events_provider.matches_event(rule.event_pattern, event_formatted)
                except Exception as exc:  # LocalStack's own run will log the same problem
                    matched, reason = False, f"pattern error: {exc}"
                else:
                    reason = "pattern"
            fields = _rule_fields(rule, event_formatted)
            if matched:
                record(account_id, region, "rule-matched", **fields)
            else:
                record(account_id, region, "rule-not-matched", reason=reason, **fields)
        return fn(self, rule, region, account_id, event_formatted, trace_header)

    @patch(TargetSender.process_event)
    def _target_invoked(fn, self, event, trace_header):
        fields = {
            "rule": self.rule_name,
            "rule_arn": self.rule_arn,
            "target_id": self.target_id,
            "target_arn": self.arn,
            "service": self.service,
            "event_id": event.get("id") if isinstance(event, dict) else None,
            "input": _target_input(self.target),
        }
        # Recorded before the delivery, so the timeline reads rule -> target -> what the target did.
        record(self.account_id, self.region, "target-invoked", **fields)
        try:
            return fn(self, event, trace_header)
        except Exception as exc:
            record(self.account_id, self.region, "target-failed", error=f"{type(exc).__name__}: {exc}", **fields)
            raise


# ---- Lambda SQS trigger (event source mapping) -----------------------------------------------

def patch_sqs_trigger() -> None:
    from localstack.services.lambda_.event_source_mapping.pollers.sqs_poller import SqsPoller
    from localstack.utils.aws.arns import parse_arn

    @patch(SqsPoller.handle_messages)
    def _trigger(fn, self, messages):
        arn = parse_arn(self.source_arn)
        sender = getattr(self.processor, "sender", None)
        fields = {
            "queue_arn": self.source_arn,
            "function_arn": getattr(sender, "target_arn", None),
            "message_ids": [m.get("MessageId") for m in messages],
        }
        record(arn["account"], arn["region"], "trigger-invoked", **fields)
        try:
            result = fn(self, messages)
        except Exception as exc:
            cause = getattr(exc, "error", None) or {}
            record(arn["account"], arn["region"], "trigger-done", status="error",
                   error=cause.get("functionError") or f"{type(exc).__name__}: {exc}",
                   request_id=cause.get("requestId"), **fields)
            raise
        record(arn["account"], arn["region"], "trigger-done", status="ok", **fields)
        return result
