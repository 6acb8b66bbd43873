"""Figures of the CloudFront edge (issue target in brackets):

- latency of one viewer request for a signed, cached object, sequential, keep-alive:
  Host-header route [p50 < 5 ms], path form /_awslab/cloudfront/..., an unsigned request that is
  refused (403 MissingKey), a cache miss (origin fetch from S3 with the bucket-policy check), and
  GET /_awslab/info as the floor of LocalStack's gateway;
- throughput of signed, cached requests with 1, 4 and 16 concurrent clients (threads, one
  keep-alive connection each): requests per second and latency percentiles;
- signature verification alone, in process (sandbox/cloudfront_signing.verify).

The set-up is the reference solution of cloudfront-signed-url (awslab solve) in a private
AWSLAB_HOME on a free port, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_cloudfront.py [--runs N]   (N sequential requests per latency figure)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import benchlib
import requests

REPO = benchlib.REPO
SCENARIO = "cloudfront-signed-url"
THROUGHPUT_SECONDS = 3.0


def awslab(*args: str, cwd: Path = REPO) -> None:
    out = subprocess.run([sys.executable, "-m", "sandbox.cli", *args], capture_output=True, text=True,
                         cwd=cwd, env=os.environ)
    if out.returncode != 0:
        raise SystemExit(f"awslab {' '.join(args)} failed ({out.returncode}): {out.stderr.strip()}")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def line(name: str, samples: list[float], target: str = "") -> None:
    ms = [s * 1000 for s in samples]
    print(f"{name:<40} p50 {percentile(ms, .5):6.2f} ms  p90 {percentile(ms, .9):6.2f}  "
          f"p99 {percentile(ms, .99):6.2f}  n={len(ms)}  {target}", flush=True)


def timed(session: requests.Session, url: str, n: int, expect: int, **kwargs) -> list[float]:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        response = session.get(url, timeout=10, **kwargs)
        samples.append(time.perf_counter() - began)
        if response.status_code != expect:
            raise SystemExit(f"{url}: expected {expect}, got {response.status_code}: {response.text[:200]}")
    return samples


def throughput(url: str, host: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    samples: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    failures: list[str] = []

    def client() -> None:
        session, mine = requests.Session(), []
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            response = session.get(url, headers={"Host": host}, timeout=10)
            mine.append(time.perf_counter() - began)
            if response.status_code != 200:
                failures.append(str(response.status_code))
                break
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"throughput run failed: {failures[:3]}")
    return len(samples) / (time.perf_counter() - began), samples


def main() -> None:
    args = benchlib.start(__doc__, default_runs=500)
    from sandbox import accounts
    from sandbox import cloudfront_signing as cfs

    work = Path(tempfile.mkdtemp(prefix="awslab-bench-work-"))
    awslab("up", "--port", "0")
    try:
        awslab("solve", SCENARIO, cwd=work)
        account = accounts.resolve()
        cloudfront = account.client("cloudfront")
        distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]
        key_id = cloudfront.list_public_keys()["PublicKeyList"]["Items"][0]["Id"]
        key = cfs.load_private_key((work / "private_key_presigned_url.pem").read_bytes())
        domain, endpoint = distribution["DomainName"], account.endpoint
        signed = cfs.canned_url(f"https://{domain}/hane.jpg", key_id, key, int(time.time()) + 3600)
        parts = urlsplit(signed)
        host_url = f"{endpoint}{parts.path}?{parts.query}"
        session = requests.Session()
        timed(session, host_url, 20, 200, headers={"Host": domain})  # warm-up: caches the object

        print(f"CloudFront edge, {args.runs} sequential requests each (keep-alive):")
        line("signed, cached, Host header", timed(session, host_url, args.runs, 200, headers={"Host": domain}),
             "[target p50 < 5 ms]")
        line("signed, cached, path form", timed(session, f"{endpoint}/_awslab/cloudfront/{domain}{parts.path}?{parts.query}",
                                                 args.runs, 200))
        line("unsigned, refused (403 MissingKey)", timed(session, f"{endpoint}/hane.jpg", args.runs, 403,
                                                         headers={"Host": domain}))
        misses = []
        for i in range(min(50, args.runs)):
            cloudfront.create_invalidation(DistributionId=distribution["Id"], InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/hane.jpg"]}, "CallerReference": f"bench-{i}"})
            misses += timed(session, host_url, 1, 200, headers={"Host": domain})
        line("signed, cache miss (S3 origin + policy)", misses)
        line("GET /_awslab/info (gateway floor)", timed(session, f"{endpoint}/_awslab/info", args.runs, 200))

        print(f"\nThroughput, signed cached object, {THROUGHPUT_SECONDS:g} s per run:")
        for clients in (1, 4, 16):
            rate, samples = throughput(host_url, domain, clients, THROUGHPUT_SECONDS)
            ms = [s * 1000 for s in samples]
            print(f"{clients:>3} concurrent clients: {rate:7.0f} requests/s   p50 {percentile(ms, .5):6.2f} ms  "
                  f"p99 {percentile(ms, .99):6.2f} ms  n={len(ms)}", flush=True)

        query, params = cfs.split_query(parts.query)
        pem = cfs.public_pem(key)
        began, n = time.perf_counter(), 2000
        for _ in range(n):
            cfs.verify(cfs.credentials(params, {}), [f"https://{domain}{parts.path}"], "127.0.0.1", time.time(),
                       lambda _id: pem)
        print(f"\nsignature verification in process: {(time.perf_counter() - began) / n * 1e6:.0f} µs per request")
    finally:
        awslab("down")


if __name__ == "__main__":
    main()
