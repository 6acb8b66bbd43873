"""The wake-up: each ESM worker's sleep becomes a wait that a write to its source ends early.

EsmWorker.poller_loop sleeps with `self._shutdown_event.wait(interval)`. install() gives every new
worker a WakeableEvent there instead (still the shutdown signal) and registers it under the
mapping's EventSourceArn. A wake that comes while the worker is polling is kept and ends its next
wait at once, so a message sent between an empty poll and the sleep is not missed. Between wakes
the worker polls at LocalStack's intervals as before: no busy polling.
"""

from __future__ import annotations

import threading
import weakref

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from localstack.services.lambda_.event_source_mapping.esm_worker import EsmWorker


class WakeableEvent(threading.Event):
    """A threading.Event whose wait() also returns (with the flag unchanged) after wake()."""

    def __init__(self):
        super().__init__()
        self._woken = False

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        with self._cond:
            if not (self._flag or self._woken):
                self._cond.wait_for(lambda: self._flag or self._woken, timeout)
            self._woken = False
            return self._flag


_lock = threading.Lock()
# event source ARN -> the wait events of the workers polling it (dropped with their workers)
_waiting: dict[str, weakref.WeakSet[WakeableEvent]] = {}


def install() -> None:
    original_init = EsmWorker.__init__
    if getattr(original_init, "_awslab_wakeup", False):
        return

    def __init__(self, esm_config, *args, **kwargs):
        original_init(self, esm_config, *args, **kwargs)
        self._shutdown_event = WakeableEvent()
        source = esm_config.get("EventSourceArn")
        if source:
            with _lock:
                _waiting.setdefault(source, weakref.WeakSet()).add(self._shutdown_event)

    __init__._awslab_wakeup = True
    EsmWorker.__init__ = __init__


def wake(match) -> int:
    """Wake the workers whose source ARN satisfies `match` (a str: equal; callable: predicate)."""
    with _lock:
        events = [e for arn, waiting in _waiting.items()
                  if (arn == match if isinstance(match, str) else match(arn)) for e in waiting]
    for event in events:
        event.wake()
    return len(events)


_DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                    "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"}


def wake_on_write(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    # Internal calls count: S3, SNS and EventBridge deliver to queues through them.
    if context.service is None or context.operation is None or response.status_code >= 400:
        return
    service, operation = context.service.service_name, context.operation.name
    request = context.service_request or {}
    if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
        arn = _queue_arn(request.get("QueueUrl") or "", context.region)
        if arn:
            wake(arn)
    elif service == "dynamodb" and operation in _DYNAMODB_WRITES:
        tables = _tables_written(operation, request)
        prefix = f"arn:aws:dynamodb:{context.region}:{context.account_id}:table/"
        if tables is None:  # PartiQL: any table of the account and region
            wake(lambda arn: arn.startswith(prefix))
        else:
            wake(lambda arn: arn.startswith(prefix) and arn[len(prefix):].split("/", 1)[0] in tables)
    elif service == "kinesis" and operation in ("PutRecord", "PutRecords"):
        arn = request.get("StreamARN") or (
            f"arn:aws:kinesis:{context.region}:{context.account_id}:stream/{request['StreamName']}"
            if request.get("StreamName") else None)
        if arn:
            wake(arn)


def _queue_arn(queue_url: str, region: str) -> str | None:
    from localstack.services.sqs.utils import parse_queue_url

    try:
        account_id, queue_region, name = parse_queue_url(queue_url)
    except ValueError:
        return None
    return f"arn:aws:sqs:{queue_region or region}:{account_id}:{name}"


def _tables_written(operation: str, request: dict) -> set[str] | None:
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        names = [request.get("TableName")]
    elif operation == "BatchWriteItem":
        names = list(request.get("RequestItems") or {})
    elif operation == "TransactWriteItems":  # items are {"Put"|"Update"|"Delete"|"ConditionCheck": {...}}
        names = [action.get("TableName") for item in request.get("TransactItems") or [] for action in item.values()]
    else:
        return None
    # TableName may also be the table's ARN.
    return {name.split(":table/", 1)[-1] for name in names if name}
