"""Helpers for tests that create Lambda functions in the real emulator (zip, role, wait until Active)."""

from __future__ import annotations

import io
import json
import textwrap
import time
import zipfile

from sandbox.emulator import EmulatorClient

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def zip_source(source: str | dict[str, str], filename: str = "lambda_function.py") -> bytes:
    """A .zip with `source` as `filename`, or with each {path: source} of a dict."""
    files = source if isinstance(source, dict) else {filename: source}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, textwrap.dedent(text))
    return buf.getvalue()


def lambda_role(account, name: str = "lambda-test-role") -> str:
    iam = account.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]


def sqs_trigger_role(account, name: str = "lambda-sqs-trigger-role") -> str:
    """A Lambda role that may read a queue for an SQS trigger (CreateEventSourceMapping requires it)."""
    arn = lambda_role(account, name)
    account.client("iam").attach_role_policy(
        RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
    return arn


def create_function(account, name: str, source: str | dict[str, str], *, runtime: str = "python3.12", timeout: int = 3,
                    env: dict | None = None, handler: str = "lambda_function.lambda_handler",
                    role: str | None = None, wait: bool = True, memory: int = 128, **extra) -> str:
    """Create a function from one source file; `role` defaults to a role created in IAM; `extra`
    goes to CreateFunction as it is (EphemeralStorage=...)."""
    lam = account.client("lambda")
    arn = lam.create_function(
        FunctionName=name, Runtime=runtime, Role=role or lambda_role(account), Handler=handler,
        Code={"ZipFile": zip_source(source)}, Timeout=timeout,
        Environment={"Variables": env or {}}, MemorySize=memory, **extra,
    )["FunctionArn"]
    if wait:
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return arn


def lambda_results(account, function_name: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
    """Poll the journal until `count` lambda-result hops of the function are there (or time is up)."""
    client = EmulatorClient.for_account(account)
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in client.journal(account.account_id)
                 if e["hop"] == "lambda-result" and e["function_name"] == function_name]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# What a handler returns to name its execution environment: the inode of its PID namespace. In a
# sandbox (plugins/lambda_process/confinement.py) os.getpid() is a pid of that namespace, the same
# in every environment; the namespace tells environments apart, and the host's /proc finds its
# processes (environment_processes). Unconfined (no bwrap here), minus the process's host pid.
ENVIRONMENT_ID = ('(os.stat("/proc/self/ns/pid").st_ino if os.environ.get("LAMBDA_TASK_ROOT") == "/var/task" '
                  'else -os.getpid())')


def environment_processes(environment_id: int) -> list[int]:
    """Host pids of the live (not zombie) processes in that execution environment's PID namespace."""
    import os

    found = []
    if environment_id < 0:  # an unconfined environment: its bootstrap process only
        return [-environment_id] if _alive(-environment_id) else []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}/ns/pid").st_ino == environment_id and _alive(int(name)):
                found.append(int(name))
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
