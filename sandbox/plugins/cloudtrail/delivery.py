"""Deliver a trail's records to its S3 bucket, notify its SNS topic, publish to EventBridge.

Log files (CloudTrail User Guide, "Finding your CloudTrail log files" and "CloudTrail log file
examples"): gzip-compressed JSON {"Records": [...]}, one file per trail and region, at
<bucket>/[<prefix>/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16-character unique string>.json.gz, the time being
the delivery time in UTC. Written with ACL bucket-owner-full-control, the condition the documented
bucket policy demands. SNS notification message: {"s3Bucket": ..., "s3ObjectKey": [...]}
(User Guide, "Configuring Amazon SNS notifications for CloudTrail"). GetTrailStatus reports each
attempt (LatestDeliveryTime, LatestDeliveryError such as AccessDenied or NoSuchBucket).
All writes are LocalStack internal calls, so they are not recorded themselves.
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import string
from datetime import datetime, timezone

from botocore.exceptions import ClientError
from localstack.aws.connect import connect_to

from .. import localstack_state
from ..journal import store as journal
from . import permissions
from .models import LOCK, Trail, cloudtrail_stores

LOG = logging.getLogger(__name__)
_UNIQUE_ALPHABET = string.ascii_letters + string.digits
INTERNAL_SECRET = "awslab"
# EventBridge sources are IAM service prefixes; CloudWatch's eventSource is monitoring.amazonaws.com.
EVENTBRIDGE_SOURCES = {"monitoring": "cloudwatch"}


def _client(service: str, account_id: str, region: str):
    # A 12-digit access key id is the account id (DESIGN.md section 3).
    return connect_to(aws_access_key_id=account_id, aws_secret_access_key=INTERNAL_SECRET, region_name=region).get_client(service)


def log_key(trail: Trail, region: str, moment: datetime) -> str:
    unique = "".join(secrets.choice(_UNIQUE_ALPHABET) for _ in range(16))
    account = trail.account_id
    name = f"{account}_CloudTrail_{region}_{moment:%Y%m%dT%H%MZ}_{unique}.json.gz"
    return f"{permissions.log_prefix(trail.s3_key_prefix, account)}CloudTrail/{region}/{moment:%Y/%m/%d}/{name}"


def _find_trail(account_id: str, home_region: str, name: str) -> Trail | None:
    with LOCK:
        if account_id not in cloudtrail_stores:
            return None
        return cloudtrail_stores[account_id][home_region].trails.get(name)


def deliver(account_id: str, home_region: str, name: str, regions: dict[str, list[dict]]) -> list[dict]:
    """Write one file per region; returns what happened, one entry per file."""
    trail = _find_trail(account_id, home_region, name)
    if trail is None:
        return []  # deleted (or the account reset) since the records were taken
    results = []
    for region, records in regions.items():
        if records:
            results.append(_deliver_file(trail, region, records))
    keys = [r["key"] for r in results if "key" in r]
    if keys and trail.sns_topic_arn:
        _notify(trail, keys)
    return results


def _deliver_file(trail: Trail, region: str, records: list[dict]) -> dict:
    moment = datetime.now(timezone.utc)
    key = log_key(trail, region, moment)
    bucket = trail.s3_bucket_name
    result = {"trail": trail.arn, "region": region, "bucket": bucket, "records": len(records)}
    problem = None
    bucket_region = localstack_state.bucket_region(bucket)
    if bucket_region is None:
        problem = "NoSuchBucket"
    elif not permissions.bucket_admits(bucket, trail.arn, trail.account_id, key):
        problem = "AccessDenied"
    else:
        body = gzip.compress(json.dumps({"Records": records}, ensure_ascii=False).encode("utf-8"))
        owner = localstack_state.bucket_owner(bucket) or trail.account_id
        problem = _refusal(lambda: _client("s3", owner, bucket_region).put_object(
            Bucket=bucket, Key=key, Body=body, ACL="bucket-owner-full-control", ContentType="application/json"))
    _note_attempt(trail, "delivery", moment, problem)
    if problem:
        LOG.info("awslab cloudtrail: delivery for %s to %s failed: %s", trail.arn, bucket, problem)
        journal.record(trail.account_id, region, "cloudtrail-delivery", trail=trail.arn, bucket=bucket,
                       records=len(records), error=problem)
        return {**result, "error": problem}
    journal.record(trail.account_id, region, "cloudtrail-delivery", trail=trail.arn, bucket=bucket,
                   key=key, records=len(records))
    return {**result, "key": key}


def _notify(trail: Trail, keys: list[str]) -> None:
    topic = trail.sns_topic_arn
    moment = datetime.now(timezone.utc)
    problem = None
    if not permissions.topic_admits(topic, trail.arn, trail.account_id):
        problem = "AuthorizationError"
    else:
        message = json.dumps({"s3Bucket": trail.s3_bucket_name, "s3ObjectKey": keys})
        problem = _refusal(lambda: _client("sns", topic.split(":")[4], topic.split(":")[3]).publish(
            TopicArn=topic, Message=message))
    _note_attempt(trail, "notification", moment, problem)


def _refusal(action) -> str | None:
    """Run an internal call; the error code when it is refused."""
    try:
        action()
    except ClientError as exc:
        return exc.response.get("Error", {}).get("Code") or "InternalError"
    return None


def _note_attempt(trail: Trail, kind: str, moment: datetime, problem: str | None) -> None:
    """GetTrailStatus' Latest<Kind>AttemptTime / Time / AttemptSucceeded / Error (kind: delivery,
    notification)."""
    with LOCK:
        status = trail.status
        setattr(status, f"latest_{kind}_attempt_time", moment)
        setattr(status, f"latest_{kind}_error", problem)
        if not problem:
            setattr(status, f"latest_{kind}_time", moment)
            setattr(status, f"latest_{kind}_attempt_succeeded", moment)


def put_event(account_id: str, region: str, record: dict) -> None:
    """The record as an "AWS API Call via CloudTrail" event on the default bus (EventBridge User
    Guide, "Events from AWS services"): source aws.<service>, resources empty, detail = the record."""
    prefix = record["eventSource"].split(".", 1)[0]
    source = "aws." + EVENTBRIDGE_SOURCES.get(prefix, prefix)
    entry = {
        "Source": source, "DetailType": "AWS API Call via CloudTrail", "Detail": json.dumps(record),
        "Resources": [], "Time": datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc),
    }
    try:
        failed = _client("events", account_id, region).put_events(Entries=[entry]).get("FailedEntryCount")
    except ClientError as exc:
        LOG.info("awslab cloudtrail: EventBridge refused %s: %s", record["eventName"], exc)
        return
    journal.record(account_id, region, "cloudtrail-event", source=source, event_name=record["eventName"],
                   failed=bool(failed))
