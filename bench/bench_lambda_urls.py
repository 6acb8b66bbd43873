"""Lambda function URL latency on a warm function, medians of several runs (target in brackets):

- warm Invoke: boto3 `invoke` of a trivial handler (the handler's own cost, for comparison)
- function URL, Host form: GET http://<url-id>.lambda-url.<region>.localhost:<port>/ (requests with
  the URL's Host sent to the emulator, as curl does), AuthType NONE
- function URL, path form: GET /_awslab/lambda-url/<url-id>/
- URL overhead: URL p50 minus warm Invoke p50                                          [<= 5 ms]

Private AWSLAB_HOME on a free port, so it can run beside a learner's sandbox or the tests.
Usage: python bench/bench_lambda_urls.py [--runs N]
"""

from __future__ import annotations

import statistics
from urllib.parse import urlsplit

import benchlib
from bench_core import awslab  # the `awslab` command in a subprocess, failing loudly

ACCOUNT = "000000000043"
HANDLER = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def main() -> None:
    args = benchlib.start(__doc__, default_runs=50)
    import requests

    from sandbox import accounts
    from tests.lambda_functions import create_function

    awslab("up", "--port", "0")
    try:
        account = accounts.resolve(account=ACCOUNT)
        lam = account.client("lambda")
        create_function(account, "bench-url", HANDLER)
        url = lam.create_function_url_config(FunctionName="bench-url", AuthType="NONE")["FunctionUrl"]
        lam.add_permission(FunctionName="bench-url", StatementId="public", Action="lambda:InvokeFunctionUrl",
                           Principal="*", FunctionUrlAuthType="NONE")
        parts = urlsplit(url)
        session = requests.Session()

        def by_host():
            answer = session.get(account.endpoint + "/", headers={"Host": parts.netloc})
            if answer.text != "ok":
                raise SystemExit(f"function URL answered {answer.status_code}: {answer.text[:200]}")

        path_url = f"{account.endpoint}/_awslab/lambda-url/{parts.hostname.split('.')[0]}/"

        def by_path():
            if session.get(path_url).text != "ok":
                raise SystemExit("path form failed")

        def invoke():
            lam.invoke(FunctionName="bench-url", Payload=b"{}")["Payload"].read()

        for call in (invoke, by_host, by_path):  # warm everything up; not counted
            call()
        warm = [benchlib.timed(invoke) for _ in range(args.runs)]
        host = [benchlib.timed(by_host) for _ in range(args.runs)]
        path = [benchlib.timed(by_path) for _ in range(args.runs)]
        ms = dict(unit="ms", width=40)
        benchlib.line("warm Invoke (boto3)", warm, **ms)
        benchlib.line("function URL, Host form", host, **ms)
        benchlib.line("function URL, path form", path, **ms)
        overhead = (statistics.median(host) - statistics.median(warm)) * 1000
        print(f"{'URL overhead (p50 URL - p50 Invoke)':40s} {overhead:7.1f} ms   [target <= 5 ms]")
    finally:
        awslab("down", check=False)


if __name__ == "__main__":
    main()
