"""Lambda invoke latency with the awslab process executor, medians of several runs (targets in brackets):

- cold:  the first Invoke (RequestResponse) after the function's configuration changed, so
         LocalStack starts a new execution environment: role credentials, a process, import of
         the handler                                                               [< 500 ms]
         "spare ready": 2 s after the change, as when a learner invokes a function they have just
         created; the spare process (boto3 already imported) is used. "back to back": right after
         the previous cold start, no spare is ready yet; a new process is started.
- cold, handler imports boto3 at module level (as most real handlers do)
- warm:  Invoke of a function whose environment is running                           [< 50 ms]
- Event: InvokeAsync-style call (InvocationType=Event) until the result is in the journal
- prints: the emulator's resident memory before and after one invoke that prints 4 x 100 MB
  (issue 13: it grew from 268 MB to 1.87 GB before output was capped)

The first line says whether functions ran in the bwrap sandbox (plugins/lambda_process/
confinement.py); AWSLAB_LAMBDA_UNCONFINED=1 python bench/bench_lambda.py measures without it.

Times are measured at the client (boto3 `invoke` round trip through the gateway), in a private
AWSLAB_HOME on a free port, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_lambda.py [--runs N]
"""

from __future__ import annotations

import time

import benchlib
from bench_core import awslab  # the `awslab` command in a subprocess, failing loudly

ACCOUNT = "000000000042"
SPARE_READY_S = 2.0

TRIVIAL = "def lambda_handler(event, context):\n    return event\n"
WITH_BOTO3 = "import boto3\n\ndef lambda_handler(event, context):\n    return event\n"
PRINTER = ("import sys\ndef lambda_handler(event, context):\n    for i in range(4):\n"
           "        sys.stdout.write(str(i) * (100 * 1024 * 1024))\n        sys.stdout.flush()\n")



def timed_invoke(lam, name: str, **kwargs) -> float:
    began = time.perf_counter()
    resp = lam.invoke(FunctionName=name, Payload=b'{"x": 1}', **kwargs)
    resp["Payload"].read()
    elapsed = time.perf_counter() - began
    if resp.get("FunctionError"):
        raise SystemExit(f"{name} failed: {resp}")
    return elapsed


def cold_samples(lam, name: str, runs: int, pause: float) -> list[float]:
    samples = []
    for i in range(runs):
        # A configuration change makes LocalStack start a new version, hence a new environment.
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"RUN": str(i)}})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2})
        time.sleep(pause)
        samples.append(timed_invoke(lam, name))
    return samples


def rss_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


def ms_line(name: str, samples: list[float], target: str = "") -> None:
    benchlib.line(name, samples, target, unit="ms", width=40)


def main() -> None:
    args = benchlib.start(__doc__, default_runs=7)
    from sandbox import accounts
    from tests.lambda_functions import create_function, lambda_results

    awslab("up", "--port", "0")
    try:
        account = accounts.resolve(account=ACCOUNT)
        lam = account.client("lambda")
        create_function(account, "bench-trivial", TRIVIAL)
        create_function(account, "bench-boto3", WITH_BOTO3)
        timed_invoke(lam, "bench-trivial")  # first use of the Lambda machinery; not counted
        from sandbox.runtime import awslab_info

        sandbox = awslab_info(account.endpoint).get("lambda_sandbox") or {}
        print("Lambda sandbox:", "bwrap" if sandbox.get("confined") else f"none ({sandbox.get('problem')})")

        # A learner invokes a function seconds after creating it, when the spare process is ready;
        # back to back, the previous cold start has just used the spare and a new one is starting.
        for pause, when in ((SPARE_READY_S, "spare ready"), (0, "back to back")):
            ms_line(f"cold, trivial handler ({when})", cold_samples(lam, "bench-trivial", args.runs, pause),
                 "[target < 500 ms]")
            ms_line(f"cold, imports boto3 ({when})", cold_samples(lam, "bench-boto3", args.runs, pause))
        warm = [timed_invoke(lam, "bench-trivial") for _ in range(args.runs * 4)]
        ms_line("warm invoke", warm, "[target < 50 ms]")

        events = []
        for _ in range(args.runs):
            expected = len(lambda_results(account, "bench-trivial", timeout=0)) + 1
            began = time.perf_counter()
            lam.invoke(FunctionName="bench-trivial", InvocationType="Event", Payload=b"{}")
            if len(lambda_results(account, "bench-trivial", expected, timeout=30)) < expected:
                raise SystemExit("an Event invocation did not reach the journal within 30 s")
            events.append(time.perf_counter() - began)
        ms_line("Event invoke until journaled", events)

        from sandbox import runtime

        create_function(account, "bench-printer", PRINTER, memory=1024, timeout=60)
        pid = runtime.current().pid
        before = rss_mb(pid)
        timed_invoke(lam, "bench-printer")
        print(f"emulator RSS around 4 x 100 MB of prints: {before} MB -> {rss_mb(pid)} MB")
    finally:
        awslab("down", check=False)


if __name__ == "__main__":
    main()
