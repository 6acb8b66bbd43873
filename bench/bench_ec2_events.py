"""Timings of the event flows, each the median of several runs (issue targets in brackets):

- ec2 event:   StopInstances -> the "stopped" state-change event on the default bus (journal)
- restart:     StopInstances -> instance running again, in the eventbridge-ec2-restart flow
               (EC2 event -> rule -> Lambda -> StartInstances), first run after solve (cold
               function) apart from the later ones (warm)                          [< 3 s]
- copy:        PutObject hane.jpg -> hane2.jpg there, in the sqs-lambda-s3-copy flow
- grade:       `awslab grade` of both scenarios (restart, copy) on a solved account (CLI), and the
               in-process engine

Runs in a private AWSLAB_HOME on a free port, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_ec2_events.py [--runs N]
"""

from __future__ import annotations

import sys
import time

import benchlib
from bench_core import awslab
from benchlib import line

RESTART = "eventbridge-ec2-restart"
COPY = "sqs-lambda-s3-copy"


def wait(probe, timeout: float = 15.0, interval: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s waiting for {probe.__name__}")


def grade_times(sc, account, runs: int, label: str) -> None:
    """`awslab grade` (CLI) and the in-process engine, on a solved account."""
    from grader import engine

    cli, in_process = [], []
    for _ in range(runs):
        cli.append(awslab("grade", sc.id))
        began = time.perf_counter()
        result = engine.grade(sc, account, "en")
        in_process.append(time.perf_counter() - began)
        assert result.passed, [c.message for c in result.checks if c.status != "pass"]
    line(f"grade {label} (CLI)", cli)
    line(f"grade {label} (engine)", in_process)


def main() -> None:
    args = benchlib.start(__doc__, default_runs=5)
    from grader import scenario as scenarios
    from grader.check import Env
    from sandbox import accounts
    from sandbox.emulator import EmulatorClient

    awslab("up", "--port", "0")
    try:
        account = accounts.resolve()
        client = EmulatorClient.for_account(account)
        restart = scenarios.get(RESTART)
        env = Env(account, restart.render_names(account.account_id))
        ec2 = env.client("ec2")

        print("[eventbridge-ec2-restart: start, solve]", file=sys.stderr, flush=True)
        awslab("start", RESTART)
        iid = ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]

        def state():
            return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]

        # EC2 state-change event alone (no rule yet): call -> event on the bus.
        events = []
        for _ in range(args.runs):
            since = client.journal_position(account.account_id)
            began = time.perf_counter()
            ec2.stop_instances(InstanceIds=[iid])

            def stopped_event():
                return [e for e in client.journal(account.account_id, since)
                        if e["hop"] == "event-put" and e["detail"].get("state") == "stopped"]

            wait(stopped_event)
            events.append(time.perf_counter() - began)
            ec2.start_instances(InstanceIds=[iid])
        line("ec2 stop -> event on bus", events)

        awslab("solve", RESTART)
        restarts = []
        for i in range(args.runs + 1):
            wait(lambda: state() == "running")
            began = time.perf_counter()
            ec2.stop_instances(InstanceIds=[iid])
            time.sleep(0.005)

            def running_again():
                return state() == "running"

            wait(running_again)
            restarts.append(time.perf_counter() - began)
        line("restart flow, cold function", restarts[:1], "[target < 3 s]")
        line("restart flow, warm function", restarts[1:], "[target < 3 s]")

        grade_times(restart, account, args.runs, "restart")

        print("[sqs-lambda-s3-copy: start, solve]", file=sys.stderr, flush=True)
        copy = scenarios.get(COPY)
        names = copy.render_names(account.account_id)
        awslab("start", COPY)
        awslab("solve", COPY)
        s3 = Env(account, names).client("s3")
        copies = []
        for i in range(args.runs):
            body = f"bench {i} {time.time()}".encode()
            began = time.perf_counter()
            s3.put_object(Bucket=names["bucket"], Key=names["source_key"], Body=body)

            def copied():
                try:
                    return s3.get_object(Bucket=names["bucket"], Key=names["copy_key"])["Body"].read() == body
                except s3.exceptions.NoSuchKey:
                    return False

            wait(copied, interval=0.02)
            copies.append(time.perf_counter() - began)
            time.sleep(1.5)  # let the copy's own notification pass before the next upload
        line("copy flow (upload -> copy)", copies)

        grade_times(copy, account, args.runs, "copy")
    finally:
        awslab("down", check=False)


if __name__ == "__main__":
    main()
