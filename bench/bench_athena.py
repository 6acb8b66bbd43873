"""Athena query time over CloudTrail logs in the emulator's S3 (issue targets in brackets):

- cold: the first query after the table is created, loading every log file (gzip JSON) once
- warm: the same query again (files unchanged, only their ETags are checked)   [10k < 0.3 s, 200k < 2 s]

Each figure is the wall time a client sees: StartQueryExecution, polling GetQueryExecution until
SUCCEEDED, GetQueryResults. Queries: the blog's second query (LIKE on requestparameters, Japanese
aliases) and a GROUP BY over a struct field. Runs in a private AWSLAB_HOME on a free port.
Usage: python bench/bench_athena.py [--runs N] [--sizes 10000,200000]
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import benchlib

REGION = "ap-northeast-1"
TABLE = "cloudtrail_logs_aws_cloudtrail_logs_370560102364_44d0a6db"
QUERIES = {
    "blog query 2 (LIKE)": f'''select eventTime as "イベント時間", userIdentity.userName as "ユーザー名",
       eventName as "イベント名", eventSource as "イベントソース"
  from "default"."{TABLE}" where requestparameters like '%file-77.txt%' limit 10''',
    "group by user, event": f"select useridentity.username, eventname, count(*) from {TABLE} group by 1, 2 order by 3 desc",
}


def timed(athena, sql: str, output: str) -> float:
    from grader.aws import athena_run

    began = time.perf_counter()
    result = athena_run(athena, sql, output, timeout=600)
    elapsed = time.perf_counter() - began
    if result["state"] != "SUCCEEDED":
        raise SystemExit(f"query failed: {result['reason']}")
    return elapsed


def main() -> None:
    args = benchlib.start(__doc__, 5, lambda parser: parser.add_argument("--sizes", default="10000,200000"))
    from sandbox import accounts, runtime
    from tests import cloudtrail_sample

    info, _ = runtime.start(port=0)
    try:
        for n, size in enumerate(int(s) for s in args.sizes.split(",")):
            account = accounts.Account(account_id=f"9{n:011d}", region=REGION, endpoint=info.endpoint)
            s3, athena = account.client("s3"), account.client("athena")
            logs, out = f"bench-athena-logs-{n}", f"bench-athena-out-{n}"
            for bucket in (logs, out):
                s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
            files = cloudtrail_sample.log_files(account.account_id, REGION, logs, size, per_file=500)
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda kv: s3.put_object(Bucket=logs, Key=kv[0], Body=kv[1]), files.items()))
            output = f"s3://{out}/"
            ddl = cloudtrail_sample.console_ddl(TABLE, logs, account.account_id)
            timed(athena, ddl, output)
            print(f"{size} records in {len(files)} files ({sum(map(len, files.values())) / 1e6:.1f} MB gzip)", flush=True)
            for name, sql in QUERIES.items():
                cold = timed(athena, sql, output) if name == next(iter(QUERIES)) else None
                warm = [timed(athena, sql, output) for _ in range(args.runs)]
                target = "[target < 0.3 s]" if size <= 10000 else "[target < 2 s]" if size <= 200000 else ""
                cold_text = f"cold {cold:6.3f} s   " if cold is not None else " " * 17
                print(f"  {name:<24} {cold_text}warm median {statistics.median(warm):6.3f} s "
                      f"(min {min(warm):.3f}, max {max(warm):.3f}, n={len(warm)})  {target}", flush=True)
            from sandbox.emulator import EmulatorClient

            EmulatorClient(info.endpoint).reset_account(account.account_id)
    finally:
        runtime.stop()


if __name__ == "__main__":
    main()
