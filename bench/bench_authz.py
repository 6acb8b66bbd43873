"""What authorization (IAM decides every call, sandbox/plugins/authz) costs, medians and p50s:

- engine: decisions per second of sandbox/iam_policy.authorize() in-process, for an IAM user with an
  inline + a managed policy against a queue with a queue policy, and a cross-account refusal;
- per call: p50 latency against awslab's emulator (authorization on, every plugin loaded) and bare
  LocalStack 4.14 (same virtual environment, no awslab plugin: bench/bare_localstack.py) started side
  by side in the same run, batches alternating between them so load drift hits both: S3 PutObject
  and GetObject, SQS SendMessage and ReceiveMessage, EventBridge PutEvents, IAM GetRole, each as the
  account's root user (fast path) and as an IAM user whose policies are evaluated.   [goal <= 1.15x]
- memory: RSS of both emulators after the run.

Usage: python bench/bench_authz.py [--runs N]   (N rounds of 10 calls per case and emulator)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib

BENCH = Path(__file__).resolve().parent


def engine_rates(seconds: float = 1.0) -> None:
    from sandbox import iam_policy as p

    user = "arn:aws:iam::111122223333:user/alice"
    queue = "arn:aws:sqs:ap-northeast-1:111122223333:TestQueue"
    inline = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": queue}]}
    managed = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}
    queue_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": queue, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:bucket"}}}]})
    context = {**p.principal_keys(user, "AIDAEXAMPLE"), "aws:SourceIp": "127.0.0.1", "aws:SecureTransport": False}
    same = p.Request("sqs:SendMessage", queue, {"AWS": user}, context)
    other = p.Request("sqs:ReceiveMessage", queue, {"AWS": "arn:aws:iam::444455556666:root"}, {})
    cases = [
        ("authorize: user, queue policy", lambda: p.authorize(
            same, identity=[p.Policy(inline, "inline"), p.Policy(managed, "managed")],
            resource=p.Policy(queue_policy, "queue policy"), resource_account="111122223333")),
        ("authorize: cross-account refusal", lambda: p.authorize(
            other, resource=p.Policy(queue_policy, "queue policy"), resource_account="111122223333")),
    ]
    for name, decide in cases:
        benchlib.rate(name, decide, seconds, "decisions/s")


def _start_bare(port: int, home: Path) -> subprocess.Popen:
    import requests

    from sandbox import runtime

    env = runtime.emulator_env(port, home)
    log = open(home / "bare.log", "wb")
    proc = subprocess.Popen([sys.executable, str(BENCH / "bare_localstack.py")], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_localstack/health", timeout=1).ok:
                if requests.get(f"http://127.0.0.1:{port}/_awslab/info", timeout=1).status_code == 200:
                    raise SystemExit("the bare peer loaded awslab's plugins")
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"bare LocalStack did not start, see {home / 'bare.log'}")


def _stop(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _setup(account, suffix: str) -> dict:
    """One bucket, queue and role; an IAM user allowed to use them; clients as root and as that user."""
    import boto3

    s3, sqs, iam = account.client("s3"), account.client("sqs"), account.client("iam")
    bucket = f"{account.account_id}-bench-authz-{suffix}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"x" * 1024)
    url = sqs.create_queue(QueueName="bench")["QueueUrl"]
    iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="work", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["events:PutEvents", "iam:GetRole"], "Resource": "*"}]}))
    iam.attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            region_name=account.region)
    return {"bucket": bucket, "url": url, "root": account, "user_session": session}


def _calls(account, setup: dict, session) -> dict:
    s3 = account.client("s3", session=session)
    sqs = account.client("sqs", session=session)
    events = account.client("events", session=session)
    iam = account.client("iam", session=session)
    bucket, url = setup["bucket"], setup["url"]
    entry = [{"Source": "bench", "DetailType": "t", "Detail": "{}"}]
    return {
        "S3 PutObject": lambda: s3.put_object(Bucket=bucket, Key="p.txt", Body=b"y" * 1024),
        "S3 GetObject": lambda: s3.get_object(Bucket=bucket, Key="k.txt")["Body"].read(),
        "SQS SendMessage": lambda: sqs.send_message(QueueUrl=url, MessageBody="m"),
        "SQS ReceiveMessage": lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0),
        "EventBridge PutEvents": lambda: events.put_events(Entries=entry),
        "IAM GetRole": lambda: iam.get_role(RoleName="bench-role"),
    }


def main() -> None:
    args = benchlib.start(__doc__, default_runs=30)
    from sandbox import accounts, runtime

    engine_rates()
    info, _ = runtime.start(port=0)
    bare_home = Path(os.environ["AWSLAB_HOME"]) / "bare"
    bare_home.mkdir()
    bare_port = runtime.free_port()
    bare = _start_bare(bare_port, bare_home)
    try:
        peers = {}
        for name, endpoint in (("awslab", info.endpoint), ("bare", f"http://127.0.0.1:{bare_port}")):
            account = accounts.Account("777788889999", "ap-northeast-1", endpoint)
            setup = _setup(account, name)
            peers[name] = {"root": _calls(account, setup, None),
                           "user": _calls(account, setup, setup["user_session"])}
        results: dict = {}
        for peer in peers.values():  # warm connections, service loading, caches
            for calls in peer.values():
                for call in calls.values():
                    for _ in range(5):
                        call()
        for r in range(args.runs):
            order = ("awslab", "bare") if r % 2 == 0 else ("bare", "awslab")
            for name in order:
                for who, calls in peers[name].items():
                    for op, call in calls.items():
                        samples = results.setdefault((op, who, name), [])
                        for _ in range(10):
                            began = time.perf_counter()
                            call()
                            samples.append(time.perf_counter() - began)
        worst = 0.0
        for op in peers["awslab"]["root"]:
            for who in ("root", "user"):
                on = statistics.median(results[(op, who, "awslab")])
                off = statistics.median(results[(op, who, "bare")])
                worst = max(worst, on / off)
                print(f"{op:<22} {who:<5} awslab {on * 1000:6.2f} ms  bare {off * 1000:6.2f} ms  "
                      f"x{on / off:4.2f}  n={len(results[(op, who, 'awslab')])}  [goal <= 1.15x]", flush=True)
        print(f"worst p50 ratio                 x{worst:4.2f}", flush=True)
        from sandbox.emulator import EmulatorClient

        stats = EmulatorClient(info.endpoint).authz_stats()
        print(f"authorization handler: {stats['requests']} requests, {stats['decisions']} policy decisions, "
              f"{stats['refusals']} refusals", flush=True)
        print(f"RSS awslab {_rss_mb(info.pid):6.0f} MB   bare {_rss_mb(bare.pid):6.0f} MB", flush=True)
    finally:
        _stop(bare)
        runtime.stop()


if __name__ == "__main__":
    main()
