"""The response handler and worker behind the ec2_events plugin.

Event shape (EC2 User Guide, "State change events for Amazon EC2 instances"):
  {"version": "0", "id": ..., "detail-type": "EC2 Instance State-change Notification",
   "source": "aws.ec2", "account": ..., "time": "2021-11-11T21:29:54Z", "region": ...,
   "resources": ["arn:aws:ec2:<region>:<account>:instance/<id>"],
   "detail": {"instance-id": "<id>", "state": "pending"}}
EventBridge fills version, id, account, region and time from the PutEvents entry, as for any event.

Which states: "When you launch or start an instance, it enters the pending state and then the
running state. When you stop an instance, it enters the stopping state and then the stopped state.
When you terminate an instance, it enters the shutting-down state and then the terminated state."
(same page). moto switches the state at once; the events follow in that order. A call that changes
nothing (stopping a stopped instance) sends nothing. RebootInstances sends nothing either: a reboot
keeps the instance in the running state (EC2 User Guide, "Reboot your Amazon EC2 instance"), and AWS
emits state-change events only when the state changes.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from datetime import datetime, timezone

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

LOG = logging.getLogger(__name__)

SOURCE = "aws.ec2"
DETAIL_TYPE = "EC2 Instance State-change Notification"

# operation -> (result list in the response, previous states from which it changes the state, states entered)
TRANSITIONS = {
    "RunInstances": ("Instances", None, ("pending", "running")),
    "StartInstances": ("StartingInstances", {"stopped"}, ("pending", "running")),
    "StopInstances": ("StoppingInstances", {"pending", "running"}, ("stopping", "stopped")),
    "TerminateInstances": ("TerminatingInstances", {"pending", "running", "stopping", "stopped"},
                           ("shutting-down", "terminated")),
}

_jobs: queue.Queue = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def emit_state_changes(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "ec2":
        return
    if context.operation is None or context.operation.name not in TRANSITIONS:
        return
    if context.is_internal_call or context.service_exception or not context.service_response:
        return  # AWS emits nothing for a call that failed; internal calls are LocalStack's own
    changes = state_changes(context.operation.name, context.service_response)
    if changes:
        _submit((context.account_id, context.region, changes))


def state_changes(operation: str, response: dict) -> list[tuple[str, str]]:
    """[(instance id, state entered), ...] in the order AWS reports them, for one EC2 response."""
    key, changes_from, states = TRANSITIONS[operation]
    found = []
    for item in response.get(key) or []:
        previous = (item.get("PreviousState") or {}).get("Name")
        if changes_from is not None and previous not in changes_from:
            continue
        found += [(item["InstanceId"], state) for state in states]
    # All instances enter the transitional state before any reaches the final one.
    return sorted(found, key=lambda change: states.index(change[1])) if found else []


def event_entry(account_id: str, region: str, instance_id: str, state: str) -> dict:
    """The PutEvents entry for one state change; EventBridge adds version, id, account, region."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Resources": [f"arn:aws:ec2:{region}:{account_id}:instance/{instance_id}"],
        "Detail": json.dumps({"instance-id": instance_id, "state": state}),
        "Time": datetime.now(timezone.utc),
        "EventBusName": "default",
    }


def _submit(job) -> None:
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="awslab-ec2-events", daemon=True)
            _worker.start()
    _jobs.put(job)


def _run() -> None:
    # One worker keeps each account's events in the order the calls happened.
    while True:
        account_id, region, changes = _jobs.get()
        try:
            _put(account_id, region, changes)
        except Exception:  # an event that cannot be put must not stop the worker; the log says why
            LOG.exception("awslab: could not put EC2 state-change events for %s/%s", account_id, region)


def _put(account_id: str, region: str, changes: list[tuple[str, str]]) -> None:
    from localstack.aws.connect import connect_to

    events = connect_to(aws_access_key_id=account_id, region_name=region).events
    # One PutEvents call per state keeps "stopping" ahead of "stopped" on the bus.
    for instance_id, state in changes:
        events.put_events(Entries=[event_entry(account_id, region, instance_id, state)])
