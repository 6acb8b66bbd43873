"""Classroom security: each attack found by trying the classroom (issue 13) is tried again here, against
the real classroom-mode emulator (`classroom` fixture) or the single-learner one, and must fail; and
what works single-learner works in class (invoke payloads, SAML sign-in, the IdP's page, code URLs).

Everything goes over the wire with real signatures (botocore's signer, requests)."""

from __future__ import annotations

import base64
import datetime
import gzip
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
import zipfile

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from sandbox import federation
from sandbox.accounts import Account
from sandbox.emulator import EmulatorClient
from tests import lambda_functions

REGION = "ap-northeast-1"
FORGED_DTO = json.dumps({"service_principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::x"})


def _client(endpoint, service, key, secret, headers: dict | None = None, **config):
    client = boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                          aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, **config))
    if headers:
        def add(request, **_):
            for name, value in headers.items():
                request.headers[name] = value
        client.meta.events.register("before-sign.*.*", add)
    return client


def _error(call) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as err:
        call()
    e = err.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]


def _account(classroom, learner) -> Account:
    return Account(learner.account_id, REGION, classroom.endpoint, learner.secret)


def _instructor(classroom) -> dict:
    return {"Authorization": f"Bearer {classroom.registry.meta()['admin_token']}"}


def _signed(classroom, learner, method, path, body=b"", headers=None, when=None,
            service="awslab") -> requests.Response:
    """A request SigV4-signed by `learner` (for the emulator's own routes, as EmulatorClient does),
    at `when` if given."""
    request = AWSRequest(method=method, url=classroom.endpoint + path, data=body, headers=dict(headers or {}))
    signer = botocore.auth.S3SigV4Auth if service == "s3" else SigV4Auth
    with pytest.MonkeyPatch.context() as m:
        if when is not None:
            m.setattr(botocore.auth, "get_current_datetime", lambda: when)
        signer(Credentials(learner.account_id, learner.secret), service, REGION).add_auth(request)
    return requests.request(method, request.url, data=body, headers=dict(request.headers), timeout=30)


def _alive(endpoint) -> bool:
    return requests.get(f"{endpoint}/_localstack/health", timeout=5).status_code == 200


# ---- item 2: LocalStack's internal header is no way around SigV4 --------------------------------

@pytest.mark.parametrize("header", ["x-localstack-data", "X_LocalStack_Data"])
def test_internal_header_from_outside_does_not_skip_the_signature_check(classroom, header):
    """The attack as reported: an unregistered key, a wrong secret, and LocalStack's internal header."""
    a = classroom.learners[0]
    forged = {header: FORGED_DTO}
    sts = _client(classroom.endpoint, "sts", "999999999999", "wrong", forged)
    assert _error(sts.get_caller_identity)[:2] == (
        "InvalidClientTokenId", "The X.509 certificate or AWS access key ID provided does not exist in our records.")
    lam = _client(classroom.endpoint, "lambda", a.account_id, "not-a-secret", forged)
    assert _error(lam.list_functions)[0] == "SignatureDoesNotMatch"
    s3 = _client(classroom.endpoint, "s3", "999999999999", "wrong", {header: "{}"})
    assert _error(s3.list_buckets)[0] == "InvalidAccessKeyId"
    # unsigned, with the header: still unsigned
    resp = requests.post(classroom.endpoint, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
                         headers={header: "{}"}, timeout=10)
    assert resp.status_code == 403 and b"MissingAuthenticationToken" in resp.content


def test_internal_header_from_outside_is_an_external_call_in_single_learner_mode(account):
    """In every mode: handlers that trust is_internal_call (journal, queue policy, IAM enforcement)
    must see a request from outside as the caller's own. A forged DTO claiming to be S3 delivering to
    a queue is recorded as the learner's own api-call, not as a service delivery."""
    sqs = _client(account.endpoint, "sqs", account.account_id, "any", {"x-localstack-data": FORGED_DTO})
    url = account.client("sqs").create_queue(QueueName="forged-internal")["QueueUrl"]
    since = EmulatorClient(account.endpoint).journal_position(account.account_id)
    sqs.send_message(QueueUrl=url, MessageBody="from outside")
    hops = [e for e in EmulatorClient(account.endpoint).journal(account.account_id, since=since)
            if e.get("operation") == "SendMessage" or e["hop"] == "sqs-delivery"]
    assert [e["hop"] for e in hops] == ["api-call"], hops


def test_lambdas_own_internal_calls_still_work_in_class(classroom):
    """Genuine internal calls (S3 -> SQS notification, made by LocalStack's internal client over HTTP
    to its own port) still count as internal and are delivered."""
    c = classroom.learners[2]
    s3 = _client(classroom.endpoint, "s3", c.account_id, c.secret)
    sqs = _client(classroom.endpoint, "sqs", c.account_id, c.secret)
    url = sqs.create_queue(QueueName="notified")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bucket = f"{c.account_id}-notify"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]})})
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"x")
    bodies = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any("ObjectCreated" in b for b in bodies):
        bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])]
    assert any("ObjectCreated:Put" in b for b in bodies), bodies


# ---- item 2: replay window ----------------------------------------------------------------------

def test_requests_signed_outside_the_15_minute_window_are_refused(classroom):
    """Signed by hand with a chosen clock (boto3's clients sign with awscrt here, whose clock a test
    cannot move), each protocol answering as AWS does."""
    a = classroom.learners[0]
    signed_2020 = datetime.datetime(2020, 1, 1)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    identity = b"Action=GetCallerIdentity&Version=2011-06-15"

    def sts_at(when):
        return _signed(classroom, a, "POST", "/", identity, form, when=when, service="sts")

    old = sts_at(signed_2020)
    assert old.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in old.text
    assert re.search(r"<Message>Signature expired: 20200101T000000Z is now earlier than \d{8}T\d{6}Z "
                     r"\(\d{8}T\d{6}Z - 15 min\.\)</Message>", old.text), old.text
    future = sts_at(now + datetime.timedelta(hours=1))
    assert future.status_code == 403 and "Signature not yet current: " in future.text
    for minutes in (-14, 14):  # inside the window it works, either way
        assert sts_at(now + datetime.timedelta(minutes=minutes)).status_code == 200
    # Lambda (rest-json)
    old_lambda = _signed(classroom, a, "GET", "/2015-03-31/functions/", when=signed_2020, service="lambda")
    assert old_lambda.status_code == 400 and old_lambda.headers.get("x-amzn-errortype", "").startswith(
        "InvalidSignatureException"), (old_lambda.headers, old_lambda.text)
    assert "Signature expired: 20200101T000000Z" in old_lambda.text
    # S3
    old_s3 = _signed(classroom, a, "GET", "/", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
                     when=signed_2020, service="s3")
    assert old_s3.status_code == 403 and "<Code>RequestTimeTooSkewed</Code>" in old_s3.text
    assert "The difference between the request time and the current time is too large." in old_s3.text
    # the emulator's own routes: the same window
    old_route = _signed(classroom, a, "GET", f"/_awslab/journal/{a.account_id}", when=signed_2020)
    assert old_route.status_code == 403 and "Signature expired" in old_route.text


# ---- item 3: LocalStack's and awslab's own routes -----------------------------------------------

def test_route_rule_table():
    from sandbox.plugins.sigv4 import routes

    acct = "123456789012"
    assert routes.rule("GET", "/_localstack/health") == routes.PUBLIC
    assert routes.rule("POST", "/_localstack/health") == routes.INSTRUCTOR
    assert routes.rule("GET", "/_localstack/diagnose") == routes.INSTRUCTOR
    assert routes.rule("GET", "/_awslab/info") == routes.PUBLIC
    assert routes.rule("POST", f"/_awslab/accounts/{acct}/reset") == routes.ACCOUNT
    assert routes.rule("GET", "/_awslab/cloudtrail/stats") == routes.INSTRUCTOR
    assert routes.rule("GET", f"/_awslab/idp/{acct}/login") == routes.IDP_LOGIN
    assert routes.rule("GET", "/_awslab/identity/LKIAQAAAAAAAAAAAAAAA") == routes.KEY_OWNER
    assert routes.rule("POST", "/_aws/sqs/messages") == routes.ACCOUNT
    url = f"http://h:4566/{acct}/q"
    assert routes.named_accounts("/_aws/sqs/messages", "", json.dumps({"QueueUrl": url}).encode()) == {acct}
    assert routes.named_accounts("/_aws/sqs/messages", "", f"QueueUrl={url.replace('/', '%2F')}".encode()) == {acct}
    assert routes.named_accounts("/_aws/sqs/messages", f"QueueUrl={url}") == {acct}
    assert routes.named_accounts("/_aws/events/rules/arn:aws:events:r:" + acct + ":rule/x/trigger", "") == {acct}
    assert routes.named_accounts("/_aws/x", "", json.dumps({"a": [{"b": int(acct)}]}).encode()) == {acct}
    assert routes.named_accounts("/_aws/x", "", b"1234567890123") == set()  # 13 digits: no account


def test_localstack_actions_are_for_the_instructor_only(classroom):
    a = classroom.learners[0]
    kill = json.dumps({"action": "kill"}).encode()
    assert requests.post(f"{classroom.endpoint}/_localstack/health", data=kill, timeout=10).status_code == 403
    assert _signed(classroom, a, "POST", "/_localstack/health", kill).status_code == 403
    assert requests.put(f"{classroom.endpoint}/_localstack/health", data=kill, timeout=10).status_code == 403
    assert requests.post(f"{classroom.endpoint}//_localstack//health", data=kill, timeout=10).status_code in (403, 404)
    assert _alive(classroom.endpoint)
    # the emulator's configuration and environment
    for path in ("/_localstack/diagnose", "/_localstack/info", "/_localstack/plugins", "/_awslab/cloudtrail/stats"):
        assert requests.get(classroom.endpoint + path, timeout=30).status_code == 403, path
        assert _signed(classroom, a, "GET", path).status_code == 403, path
    assert requests.get(f"{classroom.endpoint}/_localstack/info", headers=_instructor(classroom),
                        timeout=10).status_code == 200
    assert requests.get(f"{classroom.endpoint}/_localstack/info", headers={"Authorization": "Bearer guess"},
                        timeout=10).status_code == 403
    assert requests.get(f"{classroom.endpoint}/_localstack/health", timeout=10).status_code == 200  # readable


def test_developer_endpoints_read_their_target_from_the_body_too(classroom):
    a, b = classroom.learners[0], classroom.learners[1]
    sqs_b = _client(classroom.endpoint, "sqs", b.account_id, b.secret)
    url = sqs_b.create_queue(QueueName="b-private")["QueueUrl"]
    sqs_b.send_message(QueueUrl=url, MessageBody="B only")
    json_headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ReceiveMessage"}
    path = "/_aws/sqs/messages"
    escaped = json.dumps({"QueueUrl": url}).replace(b.account_id, "".join(f"\\u{ord(c):04x}" for c in b.account_id))
    attempts = {
        "unsigned, JSON body": lambda: requests.post(classroom.endpoint + path, data=json.dumps({"QueueUrl": url}),
                                                     headers=json_headers, timeout=10),
        "unsigned, form body": lambda: requests.post(classroom.endpoint + path, data={"QueueUrl": url}, timeout=10),
        "A, JSON body": lambda: _signed(classroom, a, "POST", path, json.dumps({"QueueUrl": url}).encode(), json_headers),
        "A, escaped JSON": lambda: _signed(classroom, a, "POST", path, escaped.encode(), json_headers),
        "A, form body": lambda: _signed(classroom, a, "POST", path, f"QueueUrl={url}".encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"}),
        "A, gzip body": lambda: _signed(classroom, a, "POST", path, gzip.compress(json.dumps({"QueueUrl": url}).encode()),
                                        {**json_headers, "Content-Encoding": "gzip"}),
        "A, own account in path, B's in body": lambda: _signed(
            classroom, a, "POST", f"/_aws/sqs/messages/{REGION}/{a.account_id}/x", json.dumps({"QueueUrl": url}).encode(),
            json_headers),
        "unsigned, SES outbox": lambda: requests.get(f"{classroom.endpoint}/_aws/ses", timeout=10),
        "A, identity of B's key": lambda: _signed(classroom, a, "GET", f"/_awslab/identity/{b.account_id}"),
    }
    for name, attempt in attempts.items():
        resp = attempt()
        assert resp.status_code in (400, 403), (name, resp.status_code, resp.text[:200])
        assert "B only" not in resp.text, name
    # B itself reads its queue through the body form
    mine = _signed(classroom, b, "POST", path, json.dumps({"QueueUrl": url}).encode(), json_headers)
    assert mine.status_code == 200 and "B only" in mine.text
    assert _signed(classroom, b, "GET", f"/_awslab/identity/{b.account_id}").json()["accountId"] == b.account_id


# ---- item 4: what works single-learner works in class -------------------------------------------

def test_invoke_payload_reaches_the_handler_in_class(classroom):
    acct = _account(classroom, classroom.learners[3])
    lambda_functions.create_function(acct, "echo", "def lambda_handler(event, context):\n    return event\n")
    lam = acct.client("lambda")
    out = lam.invoke(FunctionName="echo", Payload=json.dumps({"hello": "教室", "n": 1}).encode())
    assert json.loads(out["Payload"].read()) == {"hello": "教室", "n": 1}


def test_get_function_code_url_works_in_class(classroom):
    acct = _account(classroom, classroom.learners[3])
    lambda_functions.create_function(acct, "code-url", "def lambda_handler(event, context):\n    return 1\n")
    location = acct.client("lambda").get_function(FunctionName="code-url")["Code"]["Location"]
    resp = requests.get(location, timeout=10)
    assert resp.status_code == 200, resp.text[:300]
    assert "lambda_function.py" in zipfile.ZipFile(io.BytesIO(resp.content)).namelist()


def test_assume_role_with_saml_needs_no_signature_in_class(classroom):
    """Unsigned, as on AWS: the assertion is checked (here it is garbage), not the signature."""
    b = classroom.learners[1]
    sts = boto3.client("sts", endpoint_url=classroom.endpoint, region_name=REGION,
                       config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}))
    code, _, status = _error(lambda: sts.assume_role_with_saml(
        RoleArn=f"arn:aws:iam::{b.account_id}:role/r", PrincipalArn=f"arn:aws:iam::{b.account_id}:saml-provider/p",
        SAMLAssertion=base64.b64encode(b"<not-saml/>").decode()))
    assert code == "InvalidIdentityToken" and status == 400
    # the other STS calls still need a signature
    assert _error(sts.get_caller_identity)[0] == "MissingAuthenticationToken"


def test_idp_login_page_opens_with_the_learners_key_only(classroom):
    a, b = classroom.learners[0], classroom.learners[1]
    for learner in (a, b):
        EmulatorClient.for_account(_account(classroom, learner)).idp_put_user(learner.account_id, "taro", email=None)
    a_page = federation.web_login_url(classroom.endpoint, a.account_id, a.secret)
    assert "?key=" in a_page
    opened = requests.get(a_page, timeout=10)
    assert opened.status_code == 200 and "taro" in opened.text
    plain = federation.web_login_url(classroom.endpoint, b.account_id)
    assert requests.get(plain, timeout=10).status_code == 403  # no key
    a_key = a_page.split("?key=")[1]
    assert requests.get(f"{plain}?key={a_key}", timeout=10).status_code == 403  # A's key on B's IdP
    assert requests.post(f"{plain}?key={a_key}", data={"user": "taro"}, timeout=10).status_code == 403
    # A signs in as A's own IdP user: the page posts the SAML response on
    signed_in = requests.post(a_page, data={"user": "taro"}, timeout=10,
                              headers={"Origin": a_page.split("/_awslab")[0]})
    assert signed_in.status_code == 200 and 'name="SAMLResponse"' in signed_in.text


# ---- item 5: secrets on disk, the grading server, Athena ----------------------------------------

def test_secrets_on_disk_are_created_private(tmp_path, cli):
    home = tmp_path / "home"
    # umask 0: a file created 0644 and chmod-ed later would be 0666 here first; created private, it never is
    out = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0); from sandbox.cli import main; sys.argv[1:] = "
         "['class', 'create', '--learners', '2', '--endpoint', 'http://t:4566']; main()"],
        env={**os.environ, "AWSLAB_HOME": str(home), "AWSLAB_LANG": "en"}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for name in ("classroom.db", "credentials.html"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    sheet = tmp_path / "sheet.txt"
    again = cli("class", "sheet", "--format", "text", "--output", str(sheet), env={"AWSLAB_HOME": str(home)})
    assert again.returncode == 0 and stat.S_IMODE(sheet.stat().st_mode) == 0o600


def test_progress_and_state_writes_are_fsynced(tmp_path, monkeypatch):
    from sandbox import statefiles

    synced = []
    real = os.fsync
    monkeypatch.setattr(statefiles.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    statefiles.write_atomic(tmp_path / "progress.json", "{}")
    assert len(synced) == 2  # the file, then its folder (the rename)
    assert (tmp_path / "progress.json").read_text() == "{}"


@pytest.fixture
def class_server(classroom):
    from sandbox.classroom.server import serve

    server = serve("127.0.0.1", 0, classroom.endpoint, classroom.registry)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _raw_post(port: int, head: str) -> tuple[int, str]:
    """Send only the headers of a POST announcing a huge body; the answer must come without it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                data.split(b"Content-Length: ")[1].split(b"\r\n")[0] if b"Content-Length: " in data else 0):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1].decode()


def test_grading_server_checks_auth_before_reading_and_bounds_the_body(classroom, class_server):
    port = class_server.server_address[1]
    huge = 50 * 1024 ** 3
    status, body = _raw_post(port, f"POST /api/grade/s3-sqs-notification HTTP/1.1\r\nHost: x\r\n"
                                   f"Content-Length: {huge}\r\n\r\n")
    assert status == 401 and "Unauthorized" in body
    a = classroom.learners[0]
    basic = base64.b64encode(f"{a.account_id}:{a.secret}".encode()).decode()
    status, body = _raw_post(port, f"POST /api/grade/s3-sqs-notification HTTP/1.1\r\nHost: x\r\n"
                                   f"Authorization: Basic {basic}\r\nContent-Length: {huge}\r\n\r\n")
    assert status == 413 and f"request body of {huge} bytes refused" in json.loads(body)["error"]["message"]
    # a small body is fine
    ok = requests.post(f"http://127.0.0.1:{port}/api/hint/s3-sqs-notification", data=b"{}", timeout=30,
                       auth=(a.account_id, a.secret))
    assert ok.status_code == 200


def test_a_runaway_athena_query_is_stopped_and_starves_no_other_account(classroom):
    """The classroom fixture's emulator runs with AWSLAB_ATHENA_QUERY_TIMEOUT_SECONDS=8."""
    def athena(learner):
        s3 = _client(classroom.endpoint, "s3", learner.account_id, learner.secret)
        bucket = f"{learner.account_id}-athena-out"
        try:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        except ClientError:
            pass
        client = _client(classroom.endpoint, "athena", learner.account_id, learner.secret)
        return client, {"OutputLocation": f"s3://{bucket}/"}

    heavy_client, heavy_out = athena(classroom.learners[0])
    light_client, light_out = athena(classroom.learners[1])
    cross_join = ("SELECT sum(a.x * b.y) FROM unnest(sequence(1, 200000)) AS a(x) "
                  "CROSS JOIN unnest(sequence(1, 200000)) AS b(y)")
    heavy = [heavy_client.start_query_execution(QueryString=cross_join, ResultConfiguration=heavy_out)
             ["QueryExecutionId"] for _ in range(2)]
    time.sleep(0.5)
    started = time.monotonic()
    light = light_client.start_query_execution(QueryString="SELECT 1", ResultConfiguration=light_out)["QueryExecutionId"]
    while light_client.get_query_execution(QueryExecutionId=light)["QueryExecution"]["Status"]["State"] in (
            "QUEUED", "RUNNING"):
        assert time.monotonic() - started < 5, "another account's query waited behind the cross join"
        time.sleep(0.1)
    assert light_client.get_query_execution(QueryExecutionId=light)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
    deadline = time.monotonic() + 40
    status = {}
    while time.monotonic() < deadline:
        status = heavy_client.get_query_execution(QueryExecutionId=heavy[0])["QueryExecution"]["Status"]
        if status["State"] not in ("QUEUED", "RUNNING"):
            break
        time.sleep(0.5)
    assert status["State"] == "FAILED", status
    assert status["StateChangeReason"] == "EXCEEDED_TIME_LIMIT: Query exceeded the maximum execution time limit of 0.13m"
    assert status["AthenaError"]["ErrorType"] == 206
    heavy_client.stop_query_execution(QueryExecutionId=heavy[1])


def test_an_instance_id_with_twelve_digits_is_not_an_account():
    """A guarded route names its account as a path segment; an instance id such as
    i-0a123456789012b holds 12 digits in a row but names no account (it made the grader's own
    signed call look like another account's)."""
    from sandbox.plugins.sigv4 import routes

    path = "/_awslab/network/111122223333/ap-northeast-1/i-0a123456789012b/s3"
    assert routes.rule("GET", path) == routes.ACCOUNT
    assert routes.path_accounts(path) == {"111122223333"}
