"""The recorder: every API call of a learner account becomes a CloudTrail record.

A response handler on LocalStack's chain (run_custom_response_handlers, DESIGN.md section 3)
captures each finished, non-internal call in a few microseconds and queues it; one worker thread
builds the record (record.py) and then, as CloudTrail does:
- keeps management events in the account's event history for LookupEvents (User Guide, "Working
  with CloudTrail Event history": management events only, per region);
- hands the record to every logging trail of the account that covers the event's region and whose
  selectors ask for it (selectors.py); S3 data events also reach the bucket owner's trails, with a
  sharedEventID (S3 User Guide, "Object-level actions in cross-account scenarios");
- puts an "AWS API Call via CloudTrail" event on the account's default EventBridge bus for calls a
  logging trail records, except read-only calls named List*, Get*, Describe* (EventBridge User
  Guide, "Events from AWS services": such events "aren't processed by EventBridge", with the
  exception of STS GetFederationToken and GetSessionToken; "a CloudTrail trail with logging enabled
  is required"; S3 object calls need data events on the trail).
Delivery to S3 is delivery.py's job; this module batches records per trail and asks for delivery
when a batch is older than AWSLAB_CLOUDTRAIL_DELIVERY_SECONDS (default 5; AWS takes about 5
minutes), or at once on flush().

Which calls are not recorded (README "CloudTrail"): LocalStack's internal calls (service-to-service,
awslab's own deliveries), requests to /_awslab and /_localstack routes (no AWS operation), and calls
whose User-Agent carries awslab's grader marker (sandbox.accounts.GRADER_USER_AGENT): the grader's
inspection calls run with the learner's credentials and would otherwise fill the learner's trail.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from sandbox.accounts import GRADER_USER_AGENT

from .. import localstack_state
from ..identity.callers import access_key_of
from . import caller, delivery, record
from .models import LOCK, account_trails, cloudtrail_stores
from .selectors import Event, trail_selects

LOG = logging.getLogger(__name__)

EVENTBRIDGE_EXCEPTIONS = {"GetFederationToken", "GetSessionToken"}
MAX_EVENT_DETAIL = 256 * 1024  # PutEvents entry limit


def delivery_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("AWSLAB_CLOUDTRAIL_DELIVERY_SECONDS", "5")))
    except ValueError:
        return 5.0


class _Barrier:
    """Runs `action` in the worker after everything queued before it, and wakes the caller."""

    def __init__(self, action=None):
        self.action = action
        self.done = threading.Event()
        self.result = None

    def run(self) -> None:
        try:
            self.result = self.action() if self.action else None
        finally:
            self.done.set()


class Recorder:
    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # trail ARN -> {"trail": (account, home region, name), "since": monotonic, "regions": {region: [records]}}
        self._batches: dict[str, dict] = {}
        # CPU time spent on the request path (handle) and in the worker per record, for the benchmark.
        self.stats = {"captured": 0, "capture_seconds": 0.0, "recorded": 0, "record_seconds": 0.0}

    # ---- request path (must stay cheap) -------------------------------------------------------

    def handle(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        # Most requests are not recorded (internal calls, /_awslab and /_localstack routes): bail out
        # before anything else, the clock included.
        if context.is_internal_call or context.service is None or context.operation is None:
            return
        began = time.thread_time()
        user_agent = context.request.headers.get("User-Agent", "")
        if GRADER_USER_AGENT in user_agent:
            return
        try:
            call = self._capture(context, response, user_agent)
        except Exception:  # a record lost must never break the learner's call
            LOG.exception("awslab cloudtrail: could not capture %s", context.operation.name)
            return
        self._queue.put(call)
        self.stats["captured"] += 1
        self.stats["capture_seconds"] += time.thread_time() - began

    def _capture(self, context: RequestContext, response: Response, user_agent: str) -> record.Call:
        request = context.request
        headers = request.headers
        error = context.service_exception
        service = context.service.service_name
        auth = headers.get("Authorization", "")
        args = request.args
        call = record.Call(
            time=datetime.now(timezone.utc),
            account_id=context.account_id,
            region=context.region,
            service=service,
            operation=context.operation,
            request_id=context.request_id or "",
            params=context.service_request or {},
            response=context.service_response if error is None else None,
            error_code=getattr(error, "code", None) if error is not None else None,
            error_message=getattr(error, "message", None) if error is not None else None,
            access_key_id=access_key_of(request) or "",
            user_agent=user_agent,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        if error is not None and not call.error_code:
            call.error_code = type(error).__name__
        if service == "s3":
            call.host = headers.get("Host", "")
            call.query = {k: v for k, v in args.items()}
            query_signed = "X-Amz-Signature" in args or "Signature" in args
            call.auth = "query" if query_signed else "header"
            call.sigv = "SigV4" if (auth.startswith("AWS4-") or "X-Amz-Algorithm" in args) else "SigV2"
            call.request_length = request.content_length
            call.response_length = response.content_length
            call.response_headers = {
                k: response.headers.get(k) for k in (*record.S3_RESPONSE_HEADERS, "x-amz-id-2")
                if response.headers.get(k)
            }
        return call

    # ---- worker -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="awslab-cloudtrail", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                item = None
            try:
                if isinstance(item, record.Call):
                    self._process(item)
                elif isinstance(item, _Barrier):
                    item.run()
                self._deliver_due()
            except Exception:
                LOG.exception("awslab cloudtrail: recorder step failed")

    def _process(self, call: record.Call) -> None:
        began = time.thread_time()
        self._record(call)
        self.stats["recorded"] += 1
        self.stats["record_seconds"] += time.thread_time() - began

    def _record(self, call: record.Call) -> None:
        rec = record.build(call, caller.user_identity(call), localstack_state.bucket_owner)
        recipients = [(call.account_id, rec)]
        owner = _bucket_owner_copy_target(call, rec)
        if owner:
            shared = str(uuid.uuid4())
            rec["sharedEventID"] = shared
            copy = {**rec, "eventID": str(uuid.uuid4()), "recipientAccountId": owner, "sharedEventID": shared}
            recipients.append((owner, copy))
        for account_id, rec_for in recipients:
            self._route(account_id, rec_for, keep_history=account_id == call.account_id)

    def _route(self, account_id: str, rec: dict, keep_history: bool) -> None:
        region = rec["awsRegion"]
        event = Event.of(rec)
        global_event = record.GLOBAL_SERVICES.intersection({rec["eventSource"].split(".", 1)[0]})
        with LOCK:
            if keep_history and rec["managementEvent"]:
                cloudtrail_stores[account_id][region].history.append(rec)
            trails = [
                t for t in account_trails(account_id)
                if t.status.is_logging and t.covers_region(region)
                and (not global_event or t.include_global_service_events)
                and trail_selects(t, event)
            ]
            now = time.monotonic()
            for trail in trails:
                batch = self._batches.setdefault(
                    trail.arn, {"trail": (trail.account_id, trail.home_region, trail.name), "since": now,
                                "regions": defaultdict(list)})
                batch["regions"][region].append(rec)
        # Only a bus with rules can do anything with the event: skip the internal call otherwise.
        if trails and localstack_state.default_bus_has_rules(account_id, region) and _goes_to_eventbridge(rec):
            delivery.put_event(account_id, region, rec)

    def _deliver_due(self, force_account: str | None = None) -> list[dict]:
        interval = delivery_seconds()
        now = time.monotonic()
        with LOCK:
            due = [
                arn for arn, batch in self._batches.items()
                if (force_account is not None and batch["trail"][0] == force_account)
                or (force_account is None and now - batch["since"] >= interval)
            ]
            batches = [self._batches.pop(arn) for arn in due]
        results = []
        for batch in batches:
            results.extend(delivery.deliver(*batch["trail"], batch["regions"]))
        return results

    # ---- callers outside the worker -----------------------------------------------------------

    def _barrier(self, action=None, timeout: float = 10.0) -> _Barrier | None:
        if self._thread is None:
            return None
        barrier = _Barrier(action)
        self._queue.put(barrier)
        barrier.done.wait(timeout)
        return barrier

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every call queued so far is recorded (LookupEvents reads right after a call)."""
        self._barrier(None, timeout)

    def flush(self, account_id: str, timeout: float = 20.0) -> list[dict]:
        """Record everything queued so far and deliver the account's pending records now."""
        barrier = self._barrier(lambda: self._deliver_due(force_account=account_id), timeout)
        return (barrier.result if barrier else None) or []

    def reset(self, account_id: str) -> None:
        """ACCOUNT_RESET_HOOKS entry: the account's calls made before the reset are recorded first,
        then its pending batches, trails and history go. (The state visitor clears the store only
        when the CloudTrail provider is loaded; the recorder writes history without it.)"""
        self.drain()
        with LOCK:
            for arn in [a for a, b in self._batches.items() if b["trail"][0] == account_id]:
                self._batches.pop(arn, None)
            cloudtrail_stores.pop(account_id, None)


def _bucket_owner_copy_target(call: record.Call, rec: dict) -> str | None:
    if call.service != "s3" or rec["eventCategory"] != "Data":
        return None
    owner = localstack_state.bucket_owner((call.params or {}).get("Bucket", ""))
    return owner if owner and owner != call.account_id else None


def _goes_to_eventbridge(rec: dict) -> bool:
    name = rec["eventName"]
    if name.startswith(("List", "Get", "Describe")) and name not in EVENTBRIDGE_EXCEPTIONS:
        return False
    return len(json.dumps(rec)) < MAX_EVENT_DETAIL


RECORDER = Recorder()
