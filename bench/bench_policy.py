"""Policy evaluation speed and the latency S3 policy enforcement adds to GetObject (medians):

- evaluator: decisions per second of sandbox/iam_policy.py, in-process:
  the blog's bucket policy alone (evaluate), an identity policy + bucket policy (authorize), and a
  policy with variables, set operators and IP conditions;
- enforcement: GetObject round trips against the embedded emulator, with the account's enforcement
  off and on in the same run (rounds alternate off/on so drift hits both), for three callers:
  the owner's root user on a bucket without policy (fast path), the root user on a bucket with the
  blog's policy, and an instance role session (credentials from the emulator's IMDS, request through
  the gateway endpoint) with identity policies + bucket policy. The ratio on/off is the added
  latency.                                                                    [target < 10 %]

Runs in a private AWSLAB_HOME on a free port. Usage: python bench/bench_policy.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import benchlib  # noqa: E402


def evaluator_rates(seconds: float = 1.0) -> None:
    from sandbox import iam_policy as p

    blog = json.dumps({"Id": "VPCe", "Version": "2012-10-17", "Statement": [{
        "Sid": "VPCe", "Action": "s3:*", "Effect": "Deny", "Resource": "arn:aws:s3:::20220809-endpoint-gateway",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-02d3065c3ea6a5612"]}}, "Principal": "*"}]})
    read_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                                                         "Resource": "*"}]}
    rich = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
         "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]},
                       "IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["secret"]}, "Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/home/${aws:username}/*"}]}
    session = "arn:aws:sts::123456789012:assumed-role/EC2toS3/i-0123456789abcdef0"
    keys = p.principal_keys(session, "AROAEXAMPLE:i-0123456789abcdef0", "arn:aws:iam::123456789012:role/EC2toS3")
    via_igw = p.Request("s3:ListBucket", "arn:aws:s3:::20220809-endpoint-gateway", {"AWS": session},
                        {**keys, "aws:SourceIp": "54.250.1.2"})
    david = "arn:aws:iam::123456789012:user/David"
    rich_request = p.Request("s3:ListBucket", "arn:aws:s3:::b", {"AWS": david},
                             {**p.principal_keys(david), "s3:prefix": "home/David/x", "aws:SourceIp": "203.0.113.9",
                              "aws:SecureTransport": True, "aws:TagKeys": ["a", "b"]})
    cases = [
        ("evaluate: blog bucket policy", lambda: p.evaluate(blog, via_igw)),
        ("authorize: identity + bucket", lambda: p.authorize(via_igw, identity=p.Policy(read_only, "ro"),
                                                              resource=p.Policy(blog, "bucket policy"))),
        ("evaluate: variables+conditions", lambda: p.evaluate(rich, rich_request)),
    ]
    for name, decide in cases:
        benchlib.rate(name, decide, seconds, "decisions/s")


def _get_latencies(client, bucket: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        client.get_object(Bucket=bucket, Key="k.txt")["Body"].read()
        samples.append(time.perf_counter() - began)
    return samples


def enforcement_overhead(rounds: int) -> None:
    import boto3
    from botocore.config import Config

    from grader import scenario as scenarios
    from grader.check import Env
    from sandbox import accounts, runtime
    from sandbox.emulator import EmulatorClient

    info, _ = runtime.start(port=0)
    try:
        account = accounts.Account("555555555555", "ap-northeast-1", info.endpoint)
        emulator = EmulatorClient(info.endpoint)
        sc = scenarios.get("vpc-endpoint-s3")
        names = sc.render_names(account.account_id)
        emulator.reset_account(account.account_id)
        sc.setup(Env(account, names))
        out = subprocess.run([sys.executable, str(sc.solution_path), *[a for k, v in names.items()
                                                                      for a in (f"--{k}", v)]],
                             env={**os.environ, **account.env()}, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"solution failed: {out.stderr.strip()}")
        s3 = account.client("s3")
        plain = f"{account.account_id}-bench-plain"
        s3.create_bucket(Bucket=plain, CreateBucketConfiguration={"LocationConstraint": account.region})
        for bucket in (plain, names["bucket"]):
            s3.put_object(Bucket=bucket, Key="k.txt", Body=b"x" * 1024)
        ec2 = account.client("ec2")
        private = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["vpce-private"]}])[
            "Reservations"][0]["Instances"][0]["InstanceId"]
        creds = emulator.instance_credentials(account.account_id, account.region, private)
        role = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                     aws_session_token=creds["Token"], region_name=account.region).client(
            "s3", endpoint_url=info.endpoint, config=Config(retries={"max_attempts": 1}))
        cases = [("root, no bucket policy", s3, plain), ("root, blog bucket policy", s3, names["bucket"]),
                 ("instance role via endpoint", role, names["bucket"])]
        results = {name: {False: [], True: []} for name, _, _ in cases}
        for name, client, bucket in cases:
            _get_latencies(client, bucket, 30)  # warm connections and caches
        batch = 10
        for r in range(rounds):
            if r % 10 == 0:
                print(f"[round {r + 1}/{rounds}]", file=sys.stderr, flush=True)
            # Small batches, alternating order: the machine's load drifts, both settings share it.
            for enabled in (False, True) if r % 2 == 0 else (True, False):
                emulator.s3_enforcement(account.account_id, enabled, set_it=True)
                for name, client, bucket in cases:
                    results[name][enabled] += _get_latencies(client, bucket, batch)
        for name, _, _ in cases:
            off, on = statistics.median(results[name][False]), statistics.median(results[name][True])
            print(f"GetObject, {name:<27} off {off * 1000:6.2f} ms  on {on * 1000:6.2f} ms  "
                  f"added {100 * (on / off - 1):+5.1f} % ({(on - off) * 1000:+.2f} ms)  "
                  f"n={len(results[name][True])}  [target < 10 %]", flush=True)
    finally:
        runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="rounds of 10 GetObject per case and setting")
    args = parser.parse_args()
    os.environ["AWSLAB_HOME"] = tempfile.mkdtemp(prefix="awslab-bench-")
    os.environ["AWSLAB_LANG"] = "en"
    evaluator_rates()
    enforcement_overhead(args.rounds)


if __name__ == "__main__":
    main()
