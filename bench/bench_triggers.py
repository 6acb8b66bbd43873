"""Event source mapping latency: a record written until the function's handler runs, and the grade
time of sqs-lambda-s3-copy (targets in brackets):

- SQS trigger: SendMessage to an idle queue until the handler starts            [p50 <= 30 ms, p90 <= 100 ms]
- DynamoDB stream trigger: PutItem on a table with a stream until the handler starts
- Kinesis trigger (when LocalStack's Kinesis can start here): PutRecord until the handler starts
- grade of sqs-lambda-s3-copy, solved, in-process engine                        [<= 1 s]

The handler takes the send time from the record (body, item attribute, data) and prints the
difference to its own clock (same host); the bench reads it from the journal's log tail. Between
sends it waits a random 0.5-1.5 s so each send meets an idle poller, as a learner's does.
`--no-wakeup` measures LocalStack's own polling (AWSLAB_ESM_WAKEUP=0) for comparison.
Usage: python bench/bench_triggers.py [--runs N] [--no-wakeup] [--skip-kinesis]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time

import benchlib
from bench_core import awslab

ACCOUNT = "000000000043"
HANDLER = """
import base64, json, time

def lambda_handler(event, context):
    now = time.time()
    for record in event["Records"]:
        if "body" in record:
            sent = json.loads(record["body"])["t"]
        elif "dynamodb" in record:
            sent = float(record["dynamodb"]["NewImage"]["t"]["N"])
        else:
            sent = json.loads(base64.b64decode(record["kinesis"]["data"]))["t"]
        print("LATENCY_MS %.1f" % ((now - sent) * 1000))
"""


def options(parser) -> None:
    parser.add_argument("--no-wakeup", action="store_true", help="LocalStack's polling alone (AWSLAB_ESM_WAKEUP=0)")
    parser.add_argument("--skip-kinesis", action="store_true")


def percentiles(name: str, samples_ms: list[float], target: str = "") -> None:
    ordered = sorted(samples_ms)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    print(f"{name:<34} p50 {statistics.median(ordered):8.1f} ms   p90 {p90:8.1f} ms   max {ordered[-1]:8.1f} ms   "
          f"n={len(ordered)}  {target}", flush=True)


def measure(account, function: str, runs: int, send) -> list[float]:
    from tests.lambda_functions import lambda_results

    samples = []
    for i in range(runs + 1):
        time.sleep(random.uniform(0.5, 1.5))
        before = len(lambda_results(account, function, timeout=0))
        send(json.dumps({"t": time.time()}))
        results = lambda_results(account, function, before + 1, timeout=15)
        if len(results) <= before:
            raise SystemExit(f"{function}: no invocation within 15 s of send {i}")
        lines = [l for r in results[before:] for l in r.get("log_tail") or [] if l.startswith("LATENCY_MS")]
        if i and lines:  # the first one also starts the function: not counted
            samples.append(float(lines[0].split()[1]))
    return samples


def wait_enabled(lam, uuid: str) -> None:
    for _ in range(100):
        if lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled":
            return
        time.sleep(0.1)
    raise SystemExit(f"event source mapping {uuid} not enabled")


def main() -> None:
    args = benchlib.start(__doc__, default_runs=30, options=options)
    if args.no_wakeup:
        os.environ["AWSLAB_ESM_WAKEUP"] = "0"
    from grader import engine
    from grader import scenario as scenarios
    from sandbox import accounts
    from tests.lambda_functions import create_function

    awslab("up", "--port", "0")
    try:
        account = accounts.resolve(account=ACCOUNT)
        lam = account.client("lambda")
        print(f"wake-up {'off' if args.no_wakeup else 'on'}; {args.runs} sends per trigger", flush=True)

        sqs = account.client("sqs")
        queue_url = sqs.create_queue(QueueName="bench-trigger")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        create_function(account, "bench-sqs", HANDLER)
        wait_enabled(lam, lam.create_event_source_mapping(FunctionName="bench-sqs", EventSourceArn=queue_arn,
                                                          BatchSize=1)["UUID"])
        samples = measure(account, "bench-sqs", args.runs,
                          lambda body: sqs.send_message(QueueUrl=queue_url, MessageBody=body))
        percentiles("SQS send -> handler", samples, "[target p50 <= 30 ms, p90 <= 100 ms]")

        ddb = account.client("dynamodb")
        stream_arn = ddb.create_table(
            TableName="bench-trigger", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        create_function(account, "bench-ddb", HANDLER)
        wait_enabled(lam, lam.create_event_source_mapping(FunctionName="bench-ddb", EventSourceArn=stream_arn,
                                                          StartingPosition="LATEST", BatchSize=1)["UUID"])
        time.sleep(1.5)  # the poller takes its LATEST iterator at its first poll
        counter = iter(range(10**6))
        samples = measure(account, "bench-ddb", args.runs, lambda body: ddb.put_item(
            TableName="bench-trigger", Item={"pk": {"S": str(next(counter))}, "t": {"N": str(json.loads(body)["t"])}}))
        percentiles("DynamoDB PutItem -> handler", samples)

        if not args.skip_kinesis:
            kinesis_latency(account, lam, args.runs)

        sc = scenarios.get("sqs-lambda-s3-copy")
        grade_account = accounts.resolve(account="000000000044")
        awslab("start", sc.id, "--account", grade_account.account_id)
        awslab("solve", sc.id, "--account", grade_account.account_id)
        engine.grade(sc, grade_account, "en")  # first grade starts the function; not counted
        grades = []
        for _ in range(max(3, args.runs // 6)):
            began = time.perf_counter()
            result = engine.grade(sc, grade_account, "en")
            grades.append(time.perf_counter() - began)
            assert result.passed, [c.message for c in result.checks if c.status != "pass"]
        benchlib.line("grade sqs-lambda-s3-copy", grades, "[target <= 1 s]", width=34)
    finally:
        awslab("down", check=False)


def kinesis_latency(account, lam, runs: int) -> None:
    from tests.lambda_functions import create_function

    kinesis = account.client("kinesis")
    try:
        kinesis.create_stream(StreamName="bench-trigger", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="bench-trigger", WaiterConfig={"Delay": 0.5})
    except Exception as exc:  # noqa: BLE001 - reported, the other figures still count
        print(f"{'Kinesis PutRecord -> handler':<34} not measured: {exc}", flush=True)
        return
    stream_arn = kinesis.describe_stream(StreamName="bench-trigger")["StreamDescription"]["StreamARN"]
    create_function(account, "bench-kinesis", HANDLER)
    wait_enabled(lam, lam.create_event_source_mapping(FunctionName="bench-kinesis", EventSourceArn=stream_arn,
                                                      StartingPosition="LATEST", BatchSize=1)["UUID"])
    time.sleep(1.5)
    samples = measure(account, "bench-kinesis", runs, lambda body: kinesis.put_record(
        StreamName="bench-trigger", Data=body.encode(), PartitionKey="k"))
    percentiles("Kinesis PutRecord -> handler", samples)


if __name__ == "__main__":
    main()
