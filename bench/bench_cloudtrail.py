"""CloudTrail figures, each the median of several runs:

- delivery (timer): an S3 PutObject until its record is in a delivered log file in the trail's
  bucket, waiting for the delivery interval (AWSLAB_CLOUDTRAIL_DELIVERY_SECONDS, default 5 s;
  AWS: about 5 minutes)
- delivery (flush): the same call, then POST /_awslab/cloudtrail/<account>/flush, until the file is there
- recorder overhead: latency of small API calls (S3 PutObject, SQS SendMessage) with the recorder
  on (a logging trail with S3 data events) against an emulator with AWSLAB_CLOUDTRAIL_RECORDER=0;
  S3 PutObject (a data event the trail logs), SQS TagQueue (a management event);
  both emulators run side by side and the calls alternate, so machine load hits both alike
- the recorder's own cost, from its counters (GET /_awslab/cloudtrail/stats): time on the request
  path per call, and worker time per record
- recording throughput: a burst of calls, then the time until the last one is recorded

Runs in private AWSLAB_HOMEs on free ports, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_cloudtrail.py [--runs N] [--calls N]
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import tempfile
import time

import benchlib

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"



def start_emulator(home: str, **env) -> object:
    """An emulator in `home` (its own AWSLAB_HOME, free port) with extra settings in its environment."""
    from sandbox import runtime

    saved = {k: os.environ.get(k) for k in ("AWSLAB_HOME", *env)}
    os.environ.update({"AWSLAB_HOME": home, **env})
    try:
        return runtime.start(port=0)[0]
    finally:
        _restore(saved)


def stop_emulator(home: str) -> None:
    from sandbox import runtime

    saved = {"AWSLAB_HOME": os.environ.get("AWSLAB_HOME")}
    os.environ["AWSLAB_HOME"] = home
    try:
        runtime.stop()
    finally:
        _restore(saved)


def _restore(saved: dict) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def setup_trail(account, log_bucket: str, data_bucket: str) -> None:
    s3, ct = account.client("s3"), account.client("cloudtrail")
    for bucket in (log_bucket, data_bucket):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket=log_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{log_bucket}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{log_bucket}/AWSLogs/{account.account_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}))
    ct.create_trail(Name="bench-trail", S3BucketName=log_bucket)
    ct.put_event_selectors(TrailName="bench-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{data_bucket}/"]}]}])
    ct.start_logging(Name="bench-trail")


def delivered_keys(inspect, bucket: str) -> set[str]:
    pages = inspect.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def wait_for_record(inspect, bucket: str, seen: set[str], key: str, timeout: float = 30.0) -> float | None:
    """Poll (with the grader-marked client, so polling is not recorded) until a new log file holds
    the PutObject of `key`; returns the time it was found."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for new in sorted(delivered_keys(inspect, bucket) - seen):
            seen.add(new)
            body = gzip.decompress(inspect.get_object(Bucket=bucket, Key=new)["Body"].read())
            if any(r["eventName"] == "PutObject" and r["requestParameters"].get("key") == key
                   for r in json.loads(body)["Records"]):
                return time.perf_counter()
        time.sleep(0.05)
    return None


def main() -> None:
    args = benchlib.start(__doc__, 3, lambda parser: parser.add_argument("--calls", type=int, default=300))
    import requests

    from sandbox.accounts import GRADER_USER_AGENT, Account
    from sandbox.emulator import EmulatorClient

    print("[starting two emulators: recorder on / off]", file=sys.stderr, flush=True)
    on_home = os.environ["AWSLAB_HOME"]
    off_home = tempfile.mkdtemp(prefix="awslab-bench-")
    on = start_emulator(on_home)
    try:
        off = start_emulator(off_home, AWSLAB_CLOUDTRAIL_RECORDER="0")
    except BaseException:
        stop_emulator(on_home)
        raise
    try:
        account = Account(ACCOUNT, REGION, on.endpoint)
        log_bucket, data_bucket = "bench-trail-logs", "bench-trail-data"
        setup_trail(account, log_bucket, data_bucket)
        s3 = account.client("s3")
        inspect = account.client("s3", user_agent_extra=GRADER_USER_AGENT)
        flusher = EmulatorClient(on.endpoint)
        flusher.flush_trails(ACCOUNT)
        seen = delivered_keys(inspect, log_bucket)

        timer, flushed = [], []
        for i in range(args.runs):
            print(f"[delivery {i + 1}/{args.runs}]", file=sys.stderr, flush=True)
            key = f"timer-{i}.txt"
            began = time.perf_counter()
            s3.put_object(Bucket=data_bucket, Key=key, Body=b"x")
            found = wait_for_record(inspect, log_bucket, seen, key)
            if found is None:
                raise SystemExit(f"the record of {key} was not delivered within 30 s")
            timer.append(found - began)
            key = f"flush-{i}.txt"
            began = time.perf_counter()
            s3.put_object(Bucket=data_bucket, Key=key, Body=b"x")
            flusher.flush_trails(ACCOUNT)
            found = wait_for_record(inspect, log_bucket, seen, key)
            flushed.append(found - began)
        benchlib.line("call -> delivered file (timer, 5 s default)", timer)
        benchlib.line("call -> delivered file (flush route)", flushed)

        # Overhead: alternate the same calls between the two emulators.
        account_off = Account(ACCOUNT, REGION, off.endpoint)
        s3_off = account_off.client("s3")
        s3_off.create_bucket(Bucket=data_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        sqs_on, sqs_off = account.client("sqs"), account_off.client("sqs")
        urls = [c.create_queue(QueueName="bench-queue")["QueueUrl"] for c in (sqs_on, sqs_off)]
        calls = {
            "S3 PutObject (data event)": [lambda i: s3.put_object(Bucket=data_bucket, Key=f"o{i}", Body=b"x"),
                                          lambda i: s3_off.put_object(Bucket=data_bucket, Key=f"o{i}", Body=b"x")],
            "SQS TagQueue (management)": [lambda i: sqs_on.tag_queue(QueueUrl=urls[0], Tags={"n": str(i)}),
                                          lambda i: sqs_off.tag_queue(QueueUrl=urls[1], Tags={"n": str(i)})],
        }
        print(f"[overhead: {args.calls} calls each]", file=sys.stderr, flush=True)
        for name, (with_recorder, without) in calls.items():
            for i in range(20):  # warm up both
                with_recorder(i), without(i)
            on_samples, off_samples = [], []
            for i in range(args.calls):
                for fn, samples in ((with_recorder, on_samples), (without, off_samples)):
                    began = time.perf_counter()
                    fn(i)
                    samples.append(time.perf_counter() - began)
            benchlib.line(f"{name}, recorder on", on_samples, unit="ms", width=44)
            benchlib.line(f"{name}, recorder off", off_samples, unit="ms", width=44)
            print(f"{'':<44} overhead of the median: "
                  f"{(statistics.median(on_samples) - statistics.median(off_samples)) * 1000:+.2f} ms", flush=True)

        stats = requests.get(f"{on.endpoint}/_awslab/cloudtrail/stats", timeout=10).json()
        print(f"{'recorder on the request path (capture)':<44} {stats['capture_seconds'] / stats['captured'] * 1e6:8.1f} us per call"
              f"   ({stats['captured']} calls)", flush=True)
        print(f"{'recorder worker (build, route, history)':<44} {stats['record_seconds'] / stats['recorded'] * 1e6:8.1f} us per record"
              f"   ({stats['recorded']} records)", flush=True)

        # Throughput: a burst, then flush (returns when everything before it is recorded).
        burst = []
        for run in range(args.runs):
            for i in range(args.calls):
                sqs_on.tag_queue(QueueUrl=urls[0], Tags={"burst": str(i)})
            began = time.perf_counter()
            flusher.flush_trails(ACCOUNT)
            burst.append(time.perf_counter() - began)
        benchlib.line(f"flush after a burst of {args.calls} calls", burst)
    finally:
        stop_emulator(on_home)
        stop_emulator(off_home)


if __name__ == "__main__":
    main()
