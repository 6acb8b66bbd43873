"""What a variant builds with: the learner's own clients (not marked as the grader's, so the
journal and CloudTrail see the learner) and the few steps every variant repeats. A variant is a
module tests/variants/<scenario>/<name>.py (see tests/test_variants.py)."""

from __future__ import annotations

import json
import time

from botocore.exceptions import ClientError

from grader.check import Env

from ..lambda_functions import LAMBDA_TRUST, zip_source

LOGS = {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}


class Learner(Env):
    def __init__(self, account, names, solve):
        super().__init__(account, names)
        self._solve = solve

    def client(self, service: str):  # the learner's calls, seen as theirs
        return self.probe_client(service)

    def solve(self) -> None:
        """Apply the scenario's reference solution, as `awslab solve` does."""
        out = self._solve()
        assert out.returncode == 0, out.stderr

    def role(self, name: str, statements: list[dict], managed: tuple[str, ...] = ()) -> str:
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="variant", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [LOGS, *statements]}))
        for policy in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
        return arn

    def function(self, name: str, role_arn: str, source: str, variables: dict | None = None,
                 timeout: int = 10, runtime: str = "python3.12", handler: str = "lambda_function.lambda_handler") -> str:
        lam = self.client("lambda")
        for attempt in range(10):  # a new role may take a moment before Lambda can assume it (AWS)
            try:
                arn = lam.create_function(FunctionName=name, Runtime=runtime, Role=role_arn, Handler=handler,
                                          Timeout=timeout, Code={"ZipFile": zip_source(source)},
                                          Environment={"Variables": variables or {}})["FunctionArn"]
                break
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "InvalidParameterValueException" or attempt == 9:
                    raise
                time.sleep(1)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        return arn

    def publish_alias(self, function: str, alias: str) -> str:
        """Publish a version and point an alias at it; the alias ARN."""
        lam = self.client("lambda")
        version = lam.publish_version(FunctionName=function)["Version"]
        return lam.create_alias(FunctionName=function, Name=alias, FunctionVersion=version)["AliasArn"]
