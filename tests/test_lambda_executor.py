"""The Lambda "process" runtime executor (sandbox/plugins/lambda_process) against the real emulator:
results and AWS error shapes, timeout, environment and context, logs, concurrency and warm reuse,
every way LocalStack invokes a function, and no process left behind."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config

from sandbox.emulator import EmulatorClient
from sandbox.plugins.lambda_process.confinement import CONFINEMENT
from sandbox.runtime import awslab_info
from tests.lambda_functions import (create_function, environment_processes, lambda_results, lambda_role,
                                    sqs_trigger_role, zip_source)

pytestmark = pytest.mark.emulator

INSPECT = """
import json, os, sys
print("init of", os.environ["AWS_LAMBDA_FUNCTION_NAME"])

def lambda_handler(event, context):
    print("event", json.dumps(event))
    with open(os.path.join("/tmp", "awslab-" + context.aws_request_id), "w") as f:
        f.write("tmp is writable")
    os.remove(f.name)
    names = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
             "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV", "_HANDLER", "GREETING", "LOCALSTACK_RUNTIME_ENDPOINT"]
    return {
        "event": event,
        "env": {name: os.environ.get(name) for name in names},
        "cwd": os.getcwd(),
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining": context.get_remaining_time_in_millis(),
        },
        "pid": os.getpid(),
        "environment": (os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid()),
        "code_here": os.path.isfile("lambda_function.py"),
        "pgid": os.getpgid(0),
    }
"""


def _invoke(lam, name: str, payload: dict | None = None, **kwargs) -> tuple[dict, object]:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kwargs)
    body = resp["Payload"].read()
    return resp, json.loads(body) if body else None


def _tail(resp) -> str:
    return base64.b64decode(resp["LogResult"]).decode()


def _pid_alive(environment_id: int) -> bool:
    """Whether the execution environment (named by ENVIRONMENT_ID, what the handlers here return)
    still has a process."""
    return bool(environment_processes(environment_id))


def _wait_gone(environment_ids, timeout: float = 5.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_pid_alive(p) for p in environment_ids):
        time.sleep(0.05)
    return [p for p in environment_ids if _pid_alive(p)]


def test_executor_plugin_is_loaded(emulator):
    assert "lambda_process" in awslab_info(emulator.endpoint)["plugins"]


def test_request_response_result_environment_context_and_logs(emulator, account):
    lam = account.client("lambda")
    arn = create_function(account, "inspect", INSPECT, runtime="python3.9", env={"GREETING": "hello"})
    assert lam.get_function(FunctionName="inspect")["Configuration"]["State"] == "Active"

    resp, out = _invoke(lam, "inspect", {"Action": "Stop"}, LogType="Tail")
    assert resp["StatusCode"] == 200 and "FunctionError" not in resp
    assert out["event"] == {"Action": "Stop"}
    env, ctx = out["env"], out["context"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "inspect" and env["GREETING"] == "hello"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == account.region
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.9"
    assert env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/inspect"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["LOCALSTACK_RUNTIME_ENDPOINT"] is None  # the bootstrap's own variables are hidden
    assert out["cwd"] == env["LAMBDA_TASK_ROOT"] == "/var/task" and out["code_here"]
    assert ctx["function_name"] == "inspect" and ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == arn and ctx["memory_limit_in_mb"] == "128"
    assert ctx["log_group_name"] == "/aws/lambda/inspect"
    assert ctx["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 2000 < ctx["remaining"] <= 3000
    if CONFINEMENT.enabled:  # its own PID namespace, its code at /var/task (confinement.py)
        assert out["environment"] != os.stat("/proc/self/ns/pid").st_ino and env["LAMBDA_TASK_ROOT"] == "/var/task"

    tail = _tail(resp)
    request_id = ctx["aws_request_id"]
    assert "init of inspect" in tail and 'event {"Action": "Stop"}' in tail
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}\tDuration: " in tail and "Init Duration: " in tail

    # Warm: the same process, no init again.
    resp2, out2 = _invoke(lam, "inspect", {"n": 2}, LogType="Tail")
    assert out2["environment"] == out["environment"]
    assert "init of" not in _tail(resp2) and "Init Duration" not in _tail(resp2)

    # CloudWatch Logs: /aws/lambda/<name>, stream named by date, [version] and environment.
    logs = account.client("logs")
    deadline, messages = time.monotonic() + 10, []
    while time.monotonic() < deadline and not any(m.startswith("REPORT") and request_id in m for m in messages):
        time.sleep(0.1)
        try:
            events = logs.filter_log_events(logGroupName="/aws/lambda/inspect")["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        messages = [e["message"] for e in events]
    assert any(m.startswith(f"START RequestId: {request_id}") for m in messages), messages
    assert any(m.startswith(f"REPORT RequestId: {request_id}") for m in messages), messages
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/inspect")["logStreams"]
    assert any(s["logStreamName"] == ctx["log_stream_name"] and "/[$LATEST]" in s["logStreamName"]
               for s in streams)

    [first, second] = lambda_results(account, "inspect", 2)
    assert first["request_id"] == request_id and first["function_arn"] == arn
    assert first["invocation_type"] == "RequestResponse" and first["status"] == "ok"
    assert first["error_type"] is None and first["duration_ms"] >= 0
    assert any("event" in line for line in first["log_tail"])
    assert not any(line.startswith(("START", "END", "REPORT")) for line in first["log_tail"])


def test_handler_boto3_reaches_the_emulator_with_the_role_credentials(emulator, account):
    source = """
    import boto3
    def lambda_handler(event, context):
        boto3.client("sqs").create_queue(QueueName="made-by-lambda")
        return boto3.client("sts").get_caller_identity()["Arn"]
    """
    # IAM decides the function's calls: its role needs sqs:CreateQueue, as on AWS.
    role = lambda_role(account, "lambda-queue-maker")
    account.client("iam").put_role_policy(RoleName="lambda-queue-maker", PolicyName="make-queue", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*"}]}))
    create_function(account, "uses-boto3", source, role=role)
    resp, arn = _invoke(account.client("lambda"), "uses-boto3")
    assert "FunctionError" not in resp, arn
    assert arn.startswith(f"arn:aws:sts::{account.account_id}:assumed-role/lambda-queue-maker/uses-boto3")
    urls = account.client("sqs").list_queues().get("QueueUrls", [])
    assert any(url.endswith("/made-by-lambda") for url in urls)


def test_a_function_that_ships_its_own_boto3_imports_that_one(emulator, account):
    # The spare process has the emulator's boto3 imported already; this function must not get it.
    create_function(account, "own-sdk", {
        "lambda_function.py": "import boto3\ndef lambda_handler(e, c):\n    return boto3.__version__\n",
        "boto3/__init__.py": "__version__ = 'bundled'\n",
    })
    assert _invoke(account.client("lambda"), "own-sdk")[1] == "bundled"


def test_unhandled_error_has_the_aws_shape(emulator, account):
    source = """
    def lambda_handler(event, context):
        print("about to fail")
        action = event["Action"]
        return action
    """
    create_function(account, "raises", source)
    resp, body = _invoke(account.client("lambda"), "raises", {}, LogType="Tail")
    assert resp["StatusCode"] == 200 and resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "KeyError" and body["errorMessage"] == "'Action'"
    assert body["requestId"]
    assert len(body["stackTrace"]) == 1 and 'lambda_function.py", line 4, in lambda_handler' in body["stackTrace"][0]
    assert "[ERROR] KeyError: 'Action'" in _tail(resp) and "about to fail" in _tail(resp)
    [result] = lambda_results(account, "raises")
    assert (result["status"], result["error_type"], result["error_message"]) == ("error", "KeyError", "'Action'")
    assert "[ERROR] KeyError: 'Action'" in result["log_tail"]


@pytest.mark.parametrize("source, handler, error_type, message", [
    ("import no_such_module\ndef lambda_handler(e, c): pass\n", "lambda_function.lambda_handler",
     "Runtime.ImportModuleError", "Unable to import module 'lambda_function': No module named 'no_such_module'"),
    # The blog's handler begins with this typo.
    ("iimport boto3\ndef lambda_handler(e, c): pass\n", "lambda_function.lambda_handler",
     "Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function': invalid syntax (lambda_function.py, line 1)"),
    ("def lambda_handler(e, c): pass\n", "lambda_function.handler",
     "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'lambda_function'"),
    ("def lambda_handler(e, c): pass\n", "no_such_file.lambda_handler",
     "Runtime.ImportModuleError", "Unable to import module 'no_such_file': No module named 'no_such_file'"),
])
def test_init_errors_have_the_aws_shape(emulator, account, source, handler, error_type, message):
    name = error_type.split(".")[1] + handler.split(".")[0].replace("_", "-")
    create_function(account, name, source, handler=handler)
    resp, body = _invoke(account.client("lambda"), name, LogType="Tail")
    assert resp["FunctionError"] == "Unhandled"
    assert (body["errorType"], body["errorMessage"]) == (error_type, message)
    assert f"[ERROR] {error_type}: {message}" in _tail(resp)
    if error_type == "Runtime.UserCodeSyntaxError":
        assert body["stackTrace"] and "Line 1" in body["stackTrace"][0] and "iimport boto3" in body["stackTrace"][0]
    [result] = lambda_results(account, name)
    assert (result["status"], result["error_type"]) == ("error", error_type)


def test_timeout_is_enforced_and_the_environment_replaced(emulator, account):
    source = """
    import os, time
    def lambda_handler(event, context):
        if event.get("loop"):
            print("looping", (os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid()))
            while True:
                pass
        return (os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid())
    """
    create_function(account, "slow", source, timeout=1)
    lam = account.client("lambda")
    _, first_pid = _invoke(lam, "slow")
    resp, body = _invoke(lam, "slow", {"loop": True}, LogType="Tail")
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    tail = _tail(resp)
    assert f"looping {first_pid}" in tail and "Task timed out after 1.00 seconds" in tail
    assert _wait_gone([first_pid]) == []
    # The next invoke gets a new environment: a new process and a cold start.
    resp, pid = _invoke(lam, "slow", LogType="Tail")
    assert "FunctionError" not in resp and pid != first_pid and "Init Duration" in _tail(resp)
    results = lambda_results(account, "slow", 3)
    assert [r["status"] for r in results] == ["ok", "timeout", "ok"]
    assert results[1]["error_type"] == "Sandbox.Timedout"


def test_a_frozen_environment_is_killed_by_the_executor(emulator, account):
    # SIGSTOP freezes the whole process, its own timeout timer included: the executor must act.
    source = """
    import os, signal
    def lambda_handler(event, context):
        if event.get("freeze"):
            os.kill(os.getpid(), signal.SIGSTOP)
        return (os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid())
    """
    create_function(account, "frozen", source, timeout=1)
    lam = account.client("lambda")
    _, pid = _invoke(lam, "frozen")
    resp, body = _invoke(lam, "frozen", {"freeze": True}, LogType="Tail")
    assert body["errorType"] == "Sandbox.Timedout" and "Task timed out after 1.00 seconds" in _tail(resp)
    assert _wait_gone([pid]) == []
    assert "FunctionError" not in _invoke(lam, "frozen")[0]


@pytest.mark.parametrize("call, reason", [
    ("sys.exit(3)", "exit status 3"),
    ("os._exit(4)", "exit status 4"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "signal: killed"),
])
def test_a_process_that_exits_gives_runtime_exit_error(emulator, account, call, reason):
    source = f"""
    import os, signal, sys
    def lambda_handler(event, context):
        if event.get("exit"):
            {call}
        return (os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid())
    """
    name = "exits-" + reason.replace(" ", "").replace(":", "")
    create_function(account, name, source)
    lam = account.client("lambda")
    _, pid = _invoke(lam, name)
    resp, body = _invoke(lam, name, {"exit": True}, LogType="Tail")
    assert resp["FunctionError"] == "Unhandled" and body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith(f"Error: Runtime exited with error: {reason}")
    assert "REPORT RequestId" in _tail(resp)
    assert _wait_gone([pid]) == []
    resp, new_pid = _invoke(lam, name)
    assert "FunctionError" not in resp and new_pid != pid


def test_event_and_dry_run_invocations(emulator, account):
    create_function(account, "async", "def lambda_handler(event, context):\n    print('got', event)\n")
    lam = account.client("lambda")
    resp = lam.invoke(FunctionName="async", InvocationType="DryRun")
    assert resp["StatusCode"] == 204
    resp = lam.invoke(FunctionName="async", InvocationType="Event", Payload=b'{"k": "v"}')
    assert resp["StatusCode"] == 202
    [result] = lambda_results(account, "async")
    assert result["invocation_type"] == "Event" and result["status"] == "ok"
    assert "got {'k': 'v'}" in result["log_tail"]
    time.sleep(0.3)  # a DryRun must not have run the function meanwhile
    assert len(lambda_results(account, "async", timeout=0)) == 1


def test_concurrent_invokes_get_their_own_environments_then_reuse_them(emulator, account):
    source = """
    import os, time
    def lambda_handler(event, context):
        began = time.time()
        time.sleep(event.get("sleep", 0))
        return [(os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid()), began, time.time()]
    """
    create_function(account, "parallel", source)
    lam = account.client("lambda")
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda _: _invoke(lam, "parallel", {"sleep": 1.0})[1], range(3)))
    pids = {pid for pid, _, _ in runs}
    assert len(pids) == 3  # a busy environment is never given a second invocation
    assert any(b < e2 and b2 < e for (_, b, e), (_, b2, e2) in
               [(runs[0], runs[1]), (runs[0], runs[2]), (runs[1], runs[2])])  # they ran side by side
    assert {_invoke(lam, "parallel")[1][0] for _ in range(3)} <= pids  # warm ones reused


def test_new_code_gets_a_new_environment_and_the_old_one_is_retired(emulator, account):
    create_function(account, "updated", "import os\ndef lambda_handler(e, c):\n    return ['v1', (os.stat('/proc/self/ns/pid').st_ino if os.environ.get('LAMBDA_TASK_ROOT') == '/var/task' else -os.getpid())]\n")
    lam = account.client("lambda")
    _, (version, old_pid) = _invoke(lam, "updated")
    assert version == "v1"
    lam.update_function_code(FunctionName="updated",
                             ZipFile=zip_source("import os\ndef lambda_handler(e, c):\n    return ['v2', (os.stat('/proc/self/ns/pid').st_ino if os.environ.get('LAMBDA_TASK_ROOT') == '/var/task' else -os.getpid())]\n"))
    lam.get_waiter("function_updated_v2").wait(FunctionName="updated", WaiterConfig={"Delay": 0.2})
    _, (version, new_pid) = _invoke(lam, "updated")
    assert version == "v2" and new_pid != old_pid
    assert _wait_gone([old_pid]) == []


@pytest.mark.parametrize("wait", [True, False], ids=["waits-for-updates", "does-not-wait"])
def test_events_right_after_two_quick_updates_run_the_new_version(emulator, account, wait):
    # UpdateFunctionCode then UpdateFunctionConfiguration, as the eventbridge-ec2-restart solution
    # does on its second apply. Each update stops the old version's event poller while it is inside
    # a long poll; LocalStack dropped what that poll returned, so an EventBridge event sent right
    # after the updates ran only after the function's timeout + 60 s (sandbox/plugins/lambda_process/pollers.py).
    source = "import os\nV = {!r}\ndef lambda_handler(e, c):\n    print('ran', V, os.environ.get('X'))\n    return [V, os.environ.get('X')]\n"
    arn = create_function(account, "updated-twice", source.format("v1"), timeout=10)
    lam, events = account.client("lambda"), account.client("events")
    rule_arn = events.put_rule(Name="to-updated", EventPattern=json.dumps({"source": ["awslab.test"]}))["RuleArn"]
    lam.add_permission(FunctionName="updated-twice", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule="to-updated", Targets=[{"Id": "fn", "Arn": arn}])
    assert _invoke(lam, "updated-twice")[1] == ["v1", None]
    waiter = lam.get_waiter("function_updated_v2")

    lam.update_function_code(FunctionName="updated-twice", ZipFile=zip_source(source.format("v2")))
    if wait:
        waiter.wait(FunctionName="updated-twice", WaiterConfig={"Delay": 0.2})
    deadline = time.monotonic() + 10
    while True:  # without waiting, the second update may find the first still in progress
        try:
            lam.update_function_configuration(FunctionName="updated-twice", Environment={"Variables": {"X": "y"}})
            break
        except lam.exceptions.ResourceConflictException:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    waiter.wait(FunctionName="updated-twice", WaiterConfig={"Delay": 0.2})
    for n in range(3):  # one event for each poller that might still be in its long poll, and one more
        events.put_events(Entries=[{"Source": "awslab.test", "DetailType": f"ping {n}", "Detail": "{}"}])
    results = lambda_results(account, "updated-twice", 4, timeout=10)[1:]
    assert [(r["invocation_type"], r["status"]) for r in results] == [("Event", "ok")] * 3, results
    assert all(r["log_tail"] == ["ran v2 y"] for r in results), results
    assert _invoke(lam, "updated-twice")[1] == ["v2", "y"]


def test_an_environment_that_cannot_start_answers_the_invoke(emulator, account):
    # The process ends before it reports ready: the invoke gets Runtime.ExitError and the journal a
    # lambda-result hop, for direct and for asynchronous invocations alike, instead of LocalStack's
    # internal error or a silent retry.
    create_function(account, "dies-at-init", "import os\nprint('init ran')\nos._exit(4)\n")
    lam = account.client("lambda")
    resp, body = _invoke(lam, "dies-at-init", LogType="Tail")
    assert resp["StatusCode"] == 200 and resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: exit status 4")
    assert "exited during start (exit status 4)" in _tail(resp) and "REPORT RequestId" in _tail(resp)
    [result] = lambda_results(account, "dies-at-init")
    assert (result["status"], result["error_type"]) == ("error", "Runtime.ExitError")
    assert result["request_id"] == resp["ResponseMetadata"]["RequestId"]
    lam.invoke(FunctionName="dies-at-init", InvocationType="Event", Payload=b"{}")
    results = lambda_results(account, "dies-at-init", 2)
    assert [(r["invocation_type"], r["error_type"]) for r in results[1:]] == [("Event", "Runtime.ExitError")]


def test_unsupported_runtime_fails_creation_with_a_reason(emulator, account):
    create_function(account, "node", "exports.handler = async () => 1;", runtime="nodejs20.x", wait=False)
    lam = account.client("lambda")
    deadline = time.monotonic() + 10
    while (config := lam.get_function(FunctionName="node")["Configuration"])["State"] == "Pending":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert config["State"] == "Failed"
    assert "runtime nodejs20.x is not supported here" in config["StateReason"]
    assert "python3.9" in config["StateReason"] and "python3.13" in config["StateReason"]


def test_sqs_event_source_mapping_batches_deletes_on_success_and_retries(emulator, account):
    # A message with body "flaky" fails on its first delivery: the batch is retried after the
    # visibility timeout and deleted only once the function succeeds.
    source = """
    def lambda_handler(event, context):
        records = event["Records"]
        print("batch", len(records), sorted(r["body"] for r in records))
        for r in records:
            if r["body"] == "flaky" and r["attributes"]["ApproximateReceiveCount"] == "1":
                raise RuntimeError("first delivery of flaky fails")
        return len(records)
    """
    sqs = account.client("sqs")
    url = sqs.create_queue(QueueName="esm", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for body in ("a", "b", "flaky"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    # The function's timeout may not exceed the queue's visibility timeout, and its role must read the
    # queue (AWS refuses the mapping otherwise).
    create_function(account, "consumer", source, timeout=1, role=sqs_trigger_role(account))
    lam = account.client("lambda")
    lam.create_event_source_mapping(FunctionName="consumer", EventSourceArn=queue_arn, BatchSize=10)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        results = lambda_results(account, "consumer", timeout=0)
        if results and results[-1]["status"] == "ok":
            break
        time.sleep(0.2)
    statuses = [r["status"] for r in results]
    assert statuses[0] == "error" and statuses[-1] == "ok", results
    assert "batch 3 ['a', 'b', 'flaky']" in results[0]["log_tail"]
    assert results[0]["error_message"] == "first delivery of flaky fails"
    assert all(r["invocation_type"] == "RequestResponse" for r in results)
    # The poller deletes the batch after the function's result arrives: give it a moment.
    deadline, left = time.monotonic() + 5, None
    while left != ("0", "0") and time.monotonic() < deadline:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        left = (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"])
        time.sleep(0.1)
    assert left == ("0", "0")


def test_s3_notification_and_eventbridge_rule_invoke_the_function(emulator, account):
    source = """
    import json
    def lambda_handler(event, context):
        if "Records" in event:
            print("s3", event["Records"][0]["s3"]["bucket"]["name"], event["Records"][0]["s3"]["object"]["key"])
        else:
            print("events", event["source"], event["detail-type"])
    """
    arn = create_function(account, "listener", source)
    lam = account.client("lambda")
    s3 = account.client("s3")
    bucket = f"{account.account_id}-lambda-notify"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    lam.add_permission(FunctionName="listener", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="hane.jpg", Body=b"x")
    [result] = lambda_results(account, "listener")
    assert result["invocation_type"] == "Event" and result["status"] == "ok"
    assert f"s3 {bucket} hane.jpg" in result["log_tail"]

    events = account.client("events")
    rule_arn = events.put_rule(Name="to-lambda", EventPattern=json.dumps({"source": ["awslab.test"]}))["RuleArn"]
    lam.add_permission(FunctionName="listener", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule="to-lambda", Targets=[{"Id": "fn", "Arn": arn}])
    events.put_events(Entries=[{"Source": "awslab.test", "DetailType": "ping", "Detail": "{}"}])
    results = lambda_results(account, "listener", 2)
    assert results[1]["invocation_type"] == "Event" and "events awslab.test ping" in results[1]["log_tail"]


def test_account_reset_stops_the_accounts_environments(emulator, account):
    create_function(account, "to-reset", "import os\ndef lambda_handler(e, c):\n    return (os.stat('/proc/self/ns/pid').st_ino if os.environ.get('LAMBDA_TASK_ROOT') == '/var/task' else -os.getpid())\n")
    _, pid = _invoke(account.client("lambda"), "to-reset")
    assert _pid_alive(pid)
    EmulatorClient(emulator.endpoint).reset_account(account.account_id)
    assert _wait_gone([pid]) == []


def test_no_process_outlives_the_emulator(tmp_path, cli):
    """`awslab down` and even SIGKILL of the emulator end every execution environment, including
    what a handler started in the background."""
    source = """
    import os, subprocess
    def lambda_handler(event, context):
        # setsid and double fork: not in the bootstrap's process group, not its child.
        subprocess.Popen(["sh", "-c", "sleep 300 &"], start_new_session=True).wait()
        return [(os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" else -os.getpid())]
    """
    from sandbox import accounts

    env = {"AWSLAB_HOME": str(tmp_path)}
    for how in ("down", "kill"):
        assert cli("up", "--port", "0", env=env).returncode == 0
        try:
            state = json.loads((tmp_path / "emulator.json").read_text())
            account = accounts.Account("000000000000", "ap-northeast-1", f"http://127.0.0.1:{state['port']}")
            # The first Lambda call loads the service; on a busy machine that can outlast the
            # client's read timeout, and a retried CreateFunction would then find its own function.
            account.session().client("lambda", endpoint_url=account.endpoint, config=Config(
                read_timeout=120, retries={"max_attempts": 1})).list_functions()
            # CreateFunction checks that Lambda may assume the role (as AWS does): a real one.
            create_function(account, f"spawner-{how}", source, role=lambda_role(account))
            _, pids = _invoke(account.client("lambda"), f"spawner-{how}")
            assert all(_pid_alive(p) for p in pids)
            if how == "down":
                assert cli("down", env=env).returncode == 0
            else:
                os.kill(state["pid"], signal.SIGKILL)  # no shutdown hook runs: the lifeline must act
            assert _wait_gone(pids) == [], f"left running after {how}: {pids}"
        finally:
            cli("down", env=env)  # never leave an emulator behind, whatever failed above
