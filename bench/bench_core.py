"""Timings of the core loop, each the median of several runs (issue targets in brackets):

- up:    `awslab up` until the emulator and awslab's plugins answer   [< 3 s]
- start: `awslab start s3-sqs-notification` (reset + setup + task)     [< 1 s]
- grade: `awslab grade s3-sqs-notification` on the solved account      [< 1.5 s]
- reset: the /_awslab reset route alone, and grade inside one process (no CLI start-up)

Runs in a private AWSLAB_HOME on a free port, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_core.py [--runs N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import benchlib
from benchlib import line

REPO = benchlib.REPO
SCENARIO = "s3-sqs-notification"


def awslab(*args: str, check: bool = True) -> float:
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True,
                         cwd=REPO, env=os.environ)
    elapsed = time.perf_counter() - began
    if check and out.returncode != 0:
        raise SystemExit(f"awslab {' '.join(args)} failed ({out.returncode}): {out.stderr.strip()}")
    return elapsed



def main() -> None:
    args = benchlib.start(__doc__, default_runs=5)
    from grader import engine
    from grader import scenario as scenarios
    from sandbox import accounts
    from sandbox.emulator import EmulatorClient

    ups = []
    for i in range(args.runs):
        print(f"[up {i + 1}/{args.runs}]", file=sys.stderr, flush=True)
        ups.append(awslab("up", "--port", "0"))
        if i < args.runs - 1:
            awslab("down")
    line("up (cold process)", ups, "[target < 3 s]")

    try:
        awslab("start", SCENARIO)  # first use loads S3/SQS into the process; not counted
        awslab("solve", SCENARIO)
        awslab("grade", SCENARIO)
        starts, grades, solves = [], [], []
        for i in range(args.runs):
            print(f"[start/solve/grade {i + 1}/{args.runs}]", file=sys.stderr, flush=True)
            starts.append(awslab("start", SCENARIO))
            solves.append(awslab("solve", SCENARIO))
            grades.append(awslab("grade", SCENARIO))
        line("start (CLI, reset+setup)", starts, "[target < 1 s]")
        line("solve (CLI + boto3 script)", solves)
        line("grade (CLI, solved)", grades, "[target < 1.5 s]")

        account = accounts.resolve()
        client = EmulatorClient(account.endpoint)
        sc = scenarios.get(SCENARIO)
        resets, in_process = [], []
        for _ in range(args.runs):
            began = time.perf_counter()
            client.reset_account(account.account_id)  # the solved account: bucket, queue, messages
            resets.append(time.perf_counter() - began)
            awslab("solve", SCENARIO)
            began = time.perf_counter()
            result = engine.grade(sc, account, "en")
            in_process.append(time.perf_counter() - began)
            assert result.passed, [c.message for c in result.checks if c.status != "pass"]
        line("reset route (solved account)", resets)
        line("grade (in-process engine)", in_process)
        began = time.perf_counter()
        awslab("--version")
        line("CLI start-up (--version)", [time.perf_counter() - began])
    finally:
        awslab("down", check=False)


if __name__ == "__main__":
    main()
