"""Lambda function URLs (offline URL, path form, auth model, CORS, payload 2.0, response mapping) and
Lambda's payload quotas, against the real embedded emulator."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.lambda_functions import create_function

ECHO = """
import base64, json
def lambda_handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "string":
        return "plain text"
    if mode == "list":
        return [1, 2]
    if mode == "nostatus":
        return {"body": "ignored", "x": 1}
    if mode == "binary":
        return {"statusCode": 201, "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True,
                "cookies": ["a=1; Path=/", "b=2"]}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json",
            "Access-Control-Allow-Origin": "https://evil.example"}, "body": json.dumps(event)}
"""

PUBLIC = dict(StatementId="public-url", Action="lambda:InvokeFunctionUrl", Principal="*",
              FunctionUrlAuthType="NONE")


def _url_function(account, name, auth="NONE", cors=None, public=True):
    create_function(account, name, ECHO)
    lam = account.client("lambda")
    kwargs = {"Cors": cors} if cors else {}
    url = lam.create_function_url_config(FunctionName=name, AuthType=auth, **kwargs)["FunctionUrl"]
    if public:
        lam.add_permission(FunctionName=name, **PUBLIC)
    return url


def _send(emulator, url, method="GET", headers=None, data=None):
    """A request for a function URL as curl would send it: to the emulator, with the URL's Host."""
    parts = urlsplit(url)
    target = f"{emulator.endpoint}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    return requests.request(method, target, headers={"Host": parts.netloc, **(headers or {})}, data=data)


def test_url_is_offline_and_served_by_host_path_form_and_curl(account, emulator):
    url = _url_function(account, "url-echo")
    port = urlsplit(emulator.endpoint).port
    parts = urlsplit(url)
    url_id = parts.hostname.split(".")[0]
    assert url == f"http://{url_id}.lambda-url.ap-northeast-1.localhost:{port}/"
    assert account.client("lambda").get_function_url_config(FunctionName="url-echo")["FunctionUrl"] == url

    event = _send(emulator, url + "items/7?b=2&a=1&a=3", headers={"Cookie": "s=1; t=2",
                                                                     "X-Custom": "Yes"}).json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/items/7" and event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["queryStringParameters"] == {"b": "2", "a": "1,3"}
    assert event["cookies"] == ["s=1", "t=2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "Yes"
    ctx = event["requestContext"]
    assert ctx["apiId"] == url_id and ctx["domainName"] == parts.hostname
    assert ctx["http"]["method"] == "GET" and ctx["http"]["path"] == "/items/7"
    assert ctx["accountId"] == "anonymous" and "authorizer" not in ctx
    assert ctx["http"]["sourceIp"] == "127.0.0.1" and ctx["timeEpoch"] > 0

    by_path = requests.post(f"{emulator.endpoint}/_awslab/lambda-url/{url_id}/p?x=1", data=b"\x00\xff",
                            headers={"Content-Type": "application/octet-stream"}).json()
    assert by_path["rawPath"] == "/p" and by_path["isBase64Encoded"] is True
    assert base64.b64decode(by_path["body"]) == b"\x00\xff"

    if shutil.which("curl"):  # curl resolves *.localhost to loopback itself
        out = subprocess.run(["curl", "-s", url + "c"], capture_output=True, text=True, timeout=30).stdout
        assert json.loads(out)["rawPath"] == "/c"


def test_response_mapping(account, emulator):
    url = _url_function(account, "url-map")
    plain = _send(emulator, url + "?mode=string")
    assert (plain.status_code, plain.text, plain.headers["Content-Type"]) == (200, "plain text", "application/json")
    assert _send(emulator, url + "?mode=list").json() == [1, 2]
    # Without statusCode the whole JSON is the body (Lambda infers the response format).
    assert _send(emulator, url + "?mode=nostatus").json() == {"body": "ignored", "x": 1}
    binary = _send(emulator, url + "?mode=binary")
    assert binary.status_code == 201 and binary.content == b"\x89PNG"
    assert binary.headers["Content-Type"] == "image/png"
    assert binary.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert binary.headers["x-amzn-RequestId"]


def test_auth_none_needs_the_public_resource_policy(account, emulator):
    url = _url_function(account, "url-private", public=False)
    refused = _send(emulator, url)
    assert refused.status_code == 403 and refused.text == '{"Message":"Forbidden"}'
    lam = account.client("lambda")
    # A statement for another auth type does not open a NONE URL.
    lam.add_permission(FunctionName="url-private", StatementId="iam-only", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="AWS_IAM")
    assert _send(emulator, url).status_code == 403
    lam.add_permission(FunctionName="url-private", **PUBLIC)
    assert _send(emulator, url).status_code == 200
    assert _send(emulator, url.replace(urlsplit(url).hostname.split(".")[0], "nosuchurlid")).status_code == 403


def _signed(emulator, url, creds, service="lambda", method="GET"):
    parts = urlsplit(url)
    aws = AWSRequest(method=method, url=url, headers={"Host": parts.netloc})
    SigV4Auth(creds, service, "ap-northeast-1").add_auth(aws)
    return _send(emulator, url, method, headers=dict(aws.headers))


def test_auth_aws_iam(account, emulator):
    url = _url_function(account, "url-iam", auth="AWS_IAM", public=False)
    iam = account.client("iam")
    iam.create_user(UserName="caller")
    key = iam.create_access_key(UserName="caller")["AccessKey"]
    user = Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    assert _send(emulator, url).status_code == 403  # unsigned
    assert _signed(emulator, url, user).status_code == 403  # no policy allows it
    iam.put_user_policy(UserName="caller", PolicyName="url", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl",
            "Resource": "*", "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}}]}))
    answer = _signed(emulator, url, user)
    assert answer.status_code == 200, answer.text
    ctx = answer.json()["requestContext"]
    assert ctx["accountId"] == account.account_id
    assert ctx["authorizer"]["iam"]["userArn"] == f"arn:aws:iam::{account.account_id}:user/caller"
    assert ctx["authorizer"]["iam"]["accessKey"] == key["AccessKeyId"]
    assert _signed(emulator, url, Credentials(key["AccessKeyId"], "wrong-secret")).status_code == 403
    assert _signed(emulator, url, user, service="s3").status_code == 403

    # The account's root user may; another account needs the resource policy.
    root = Credentials(account.account_id, "test")
    assert _signed(emulator, url, root).status_code == 200
    other = Credentials("999999999911", "test")
    assert _signed(emulator, url, other).status_code == 403
    account.client("lambda").add_permission(
        FunctionName="url-iam", StatementId="other", Action="lambda:InvokeFunctionUrl",
        Principal="999999999911", FunctionUrlAuthType="AWS_IAM")
    assert _signed(emulator, url, other).status_code == 200


def test_cors(account, emulator):
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-trace"], "MaxAge": 300}
    url = _url_function(account, "url-cors", cors=cors)
    pre = _send(emulator, url, "OPTIONS", headers={"Origin": "https://app.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and pre.text == ""
    assert pre.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert pre.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert pre.headers["Access-Control-Allow-Headers"] == "x-token"
    assert pre.headers["Access-Control-Max-Age"] == "300"
    simple = _send(emulator, url, headers={"Origin": "https://app.example"})
    # The URL's settings replace the function's own Access-Control-* headers.
    assert simple.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert simple.headers["Access-Control-Expose-Headers"] == "x-trace"


def test_awslab_fetch_function_url(account, emulator, cli, tmp_path):
    url = _url_function(account, "url-fetch")
    out = tmp_path / "event.json"
    done = cli("fetch", url + "hello?x=1", "-o", str(out), "--endpoint", emulator.endpoint)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP 200")
    assert json.loads(out.read_text())["rawPath"] == "/hello"
    private = _url_function(account, "url-fetch-private", public=False)
    refused = cli("fetch", private, "--endpoint", emulator.endpoint)
    assert refused.returncode == 1 and refused.stdout.startswith("HTTP 403")
    assert '{"Message":"Forbidden"}' in refused.stdout


BIG = """
def lambda_handler(event, context):
    return "x" * event["n"]
"""


def test_response_over_6_mb_fails_the_invoke(account):
    create_function(account, "big-response", BIG, timeout=30)
    lam = account.client("lambda")
    fits = lam.invoke(FunctionName="big-response", Payload=json.dumps({"n": 6_291_556 - 2}))
    assert "FunctionError" not in fits and len(fits["Payload"].read()) == 6_291_556
    over = lam.invoke(FunctionName="big-response", Payload=json.dumps({"n": 7 * 1024 * 1024}))
    assert over["StatusCode"] == 200 and over["FunctionError"] == "Unhandled"
    assert json.loads(over["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge"}


@pytest.mark.parametrize("invocation_type, limit", [("RequestResponse", 6 * 1024 * 1024), ("Event", 1024 * 1024)])
def test_request_over_the_quota_is_413(account, invocation_type, limit):
    create_function(account, "big-request", "def lambda_handler(event, context):\n    return len(event)\n")
    lam = account.client("lambda")
    padding = "x" * (limit - len('{"p": ""}'))
    ok = lam.invoke(FunctionName="big-request", InvocationType=invocation_type,
                    Payload=json.dumps({"p": padding}))
    assert ok["StatusCode"] in (200, 202)
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="big-request", InvocationType=invocation_type,
                   Payload=json.dumps({"p": padding + "x"}))
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert info.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert info.value.response["Error"]["Message"] == (
        f"{limit + 1} byte payload is too large for the {invocation_type} invocation type (limit {limit} bytes)")
