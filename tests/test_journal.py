"""The event journal: the hops of real flows (EC2 -> EventBridge -> SQS, S3 -> SQS) in causal order,
the journal route, `awslab events [--follow]` and its timeline. Real emulator."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from sandbox.emulator import EmulatorClient
from sandbox.timeline import render

from .conftest import REPO
from .test_ec2_events import EC2_EVENTS, _instance, _rule_to_queue
from .test_plugins import _allow, _bodies, _queue


def _wait_hops(account, since, done, timeout=5.0):
    """Journal entries after `since` once `done(entries)` holds (hops are recorded asynchronously)."""
    client, deadline = EmulatorClient(account.endpoint), time.monotonic() + timeout
    while True:
        found = client.journal(account.account_id, since)
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _index(entries, hop, **fields):
    for i, e in enumerate(entries):
        if e["hop"] == hop and all(e.get(k) == v for k, v in fields.items()):
            return i
    raise AssertionError(f"no {hop} {fields} in {[(e['hop'], e.get('rule'), e.get('status')) for e in entries]}")


def test_ec2_stop_to_queue_hops_in_order(account):
    _rule_to_queue(account, "stops", {**EC2_EVENTS, "detail": {"state": ["stopped"]}})
    account.client("events").put_rule(Name="uploads", EventPattern=json.dumps({"source": ["aws.s3"]}))
    ec2, instance_id = _instance(account)
    since = EmulatorClient(account.endpoint).journal_position(account.account_id)
    ec2.stop_instances(InstanceIds=[instance_id])

    def stop_seen_by_every_rule(es):
        stopped_ids = {e["event_id"] for e in es if e["hop"] == "event-put" and e["detail"]["state"] == "stopped"}
        return (any(e["hop"] == "sqs-delivery" for e in es)
                and any(e["hop"] == "rule-not-matched" and e["event_id"] in stopped_ids for e in es))

    hops = _wait_hops(account, since, stop_seen_by_every_rule)
    call = _index(hops, "api-call", service="ec2", operation="StopInstances", status=200,
                  instance_ids=[instance_id], access_key=account.account_id,
                  caller=f"arn:aws:iam::{account.account_id}:root")
    stopped = next(e for e in hops if e["hop"] == "event-put" and e["detail"]["state"] == "stopped")
    put = hops.index(stopped)
    matched = _index(hops, "rule-matched", rule="stops", event_id=stopped["event_id"])
    invoked = _index(hops, "target-invoked", rule="stops", event_id=stopped["event_id"], service="sqs", input="event")
    delivered = _index(hops, "sqs-delivery", queue="stops", principal="events.amazonaws.com", status="ok")
    assert call < put < matched < invoked < delivered
    assert hops[delivered]["source_arn"].endswith(":rule/stops") and hops[delivered]["message_ids"]
    # Every rule of the bus is tested: the others are recorded as not matched.
    _index(hops, "rule-not-matched", rule="uploads", reason="pattern", event_id=stopped["event_id"])
    stopping = next(e for e in hops if e["hop"] == "event-put" and e["detail"]["state"] == "stopping")
    _index(hops, "rule-not-matched", rule="stops", event_id=stopping["event_id"])


def test_refused_delivery_names_the_queue_policy(account):
    events = account.client("events")
    _, _, arn = _queue(account, "no-policy")
    events.put_rule(Name="to-locked-queue", EventPattern=json.dumps(EC2_EVENTS))
    events.put_targets(Rule="to-locked-queue", Targets=[{"Id": "q", "Arn": arn}])
    since = EmulatorClient(account.endpoint).journal_position(account.account_id)
    _instance(account)
    hops = _wait_hops(account, since, lambda es: sum(e["hop"] == "target-failed" for e in es) >= 2)
    failed = hops[_index(hops, "target-failed", rule="to-locked-queue")]
    assert "AccessDenied" in failed["error"]
    refused = hops[_index(hops, "sqs-delivery", queue="no-policy", status="denied")]
    assert refused["error_code"] == "AccessDenied"
    assert "check the queue policy" in "\n".join(render(hops, "en"))


def test_s3_upload_to_queue_hops(account):
    s3 = account.client("s3")
    bucket = f"{account.account_id}-journal"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    sqs, url, arn = _queue(account, "uploads")
    _allow(sqs, url, arn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    since = EmulatorClient(account.endpoint).journal_position(account.account_id)
    s3.put_object(Bucket=bucket, Key="hane.jpg", Body=b"jpeg")
    hops = _wait_hops(account, since, lambda es: any(e["hop"] == "sqs-delivery" for e in es))
    written = _index(hops, "s3-delivery", bucket=bucket, key="hane.jpg", operation="PutObject", status=200,
                     access_key=account.account_id)
    delivered = _index(hops, "sqs-delivery", queue="uploads", principal="s3.amazonaws.com",
                       source_arn=f"arn:aws:s3:::{bucket}", status="ok")
    assert written < delivered
    assert hops[written]["etag"]
    assert len(_bodies(sqs, url, expected=2)) == 2  # s3:TestEvent and the upload: nothing was disturbed


def test_route_last_and_position(emulator, account):
    ec2, instance_id = _instance(account)
    client = EmulatorClient(account.endpoint)
    _wait_hops(account, 0, lambda es: sum(e["hop"] == "event-put" for e in es) >= 2)
    everything = client.journal(account.account_id)
    assert client.journal(account.account_id, last=1) == everything[-1:]
    assert client.journal_position(account.account_id) == everything[-1]["seq"]
    assert client.journal(account.account_id, since=everything[-1]["seq"]) == []
    for bad in ("since=x", "last=-1"):
        resp = requests.get(f"{emulator.endpoint}/_awslab/journal/{account.account_id}?{bad}", timeout=5)
        assert resp.status_code == 400 and "InvalidParameter" in resp.text


def test_events_command(account, cli):
    ec2, instance_id = _instance(account)
    _wait_hops(account, 0, lambda es: sum(e["hop"] == "event-put" for e in es) >= 2)
    out = cli("events", "--account", account.account_id)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert f"ec2 RunInstances {instance_id} → HTTP 200 (by root)" in lines[0]
    assert any(f'aws.ec2 "EC2 Instance State-change Notification" {instance_id} → running' in x for x in lines)
    ja = cli("events", "--account", account.account_id, "--lang", "ja", "--last", "1")
    assert "バス default にイベント" in ja.stdout and len(ja.stdout.splitlines()) == 1
    raw = cli("events", "--account", account.account_id, "--format", "json")
    assert [json.loads(x)["hop"] for x in raw.stdout.splitlines()] == ["api-call", "event-put", "event-put"]


def test_events_command_on_an_empty_account_and_a_dead_endpoint(account, cli):
    out = cli("events", "--account", account.account_id)
    assert out.returncode == 0 and "No hops recorded for account" in out.stdout
    dead = cli("events", "--account", account.account_id, "--endpoint", "http://127.0.0.1:9")
    assert dead.returncode == 2 and len(dead.stderr.strip().splitlines()) == 1


def test_events_follow_prints_new_hops(account):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.cli", "events", "--follow", "--account", account.account_id],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "AWSLAB_LANG": "en"})
    try:
        assert "Watching the journal" in proc.stderr.readline()
        _, instance_id = _instance(account)
        assert f"RunInstances {instance_id}" in proc.stdout.readline()
    finally:
        proc.terminate()  # our own child, by pid
        proc.wait(timeout=10)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_timeline_of_lambda_results_and_folded_rules(lang):
    """Formatting only: entries as the Lambda executor and the EventBridge hooks record them."""
    base = {"time": "2026-11-28T15:04:05.123Z", "account": "000000000000", "region": "ap-northeast-1"}
    entries = [
        {**base, "seq": 1, "hop": "event-put", "event_id": "e1", "bus": "default", "source": "aws.ec2",
         "detail_type": "EC2 Instance State-change Notification", "detail": {"instance-id": "i-1", "state": "stopped"}},
        {**base, "seq": 2, "hop": "rule-not-matched", "event_id": "e1", "rule": "a", "reason": "pattern"},
        {**base, "seq": 3, "hop": "rule-not-matched", "event_id": "e1", "rule": "b", "reason": "disabled"},
        {**base, "seq": 4, "hop": "lambda-result", "function_name": "MyFunctionEC2", "status": "error",
         "error_type": "Runtime.UserCodeSyntaxError", "error_message": "invalid syntax (lambda_function.py, line 1)",
         "duration_ms": 12.4, "invocation_type": "Event",
         "log_tail": ["START", "[ERROR] Runtime.UserCodeSyntaxError", "END", "REPORT"]},
        {**base, "seq": 5, "hop": "lambda-result", "function_name": "MyFunctionEC2", "status": "ok",
         "duration_ms": 80, "invocation_type": "Event", "log_tail": ["ok"]},
    ]
    lines = render(entries, lang)
    assert len(lines) == 2 + 1 + 3 + 1  # event, folded rules, failure + 3 log lines, success
    assert "a, b (" in lines[1] and "[i-1 → stopped]" in lines[1]
    assert "Runtime.UserCodeSyntaxError: invalid syntax (lambda_function.py, line 1) (12 ms)" in lines[2]
    assert lines[3].strip() == "| [ERROR] Runtime.UserCodeSyntaxError" and lines[5].strip() == "| REPORT"
    assert "MyFunctionEC2" in lines[6] and "80 ms" in lines[6]
