"""Check logic that several scenarios share, returning the same message keys in each scenario
(each scenario.yaml still words the messages for its own task).

- role_trusts_service: keys pass, missing ($found), no-trust
- python_function:     keys pass ($runtime), pass-deprecated ($runtime), missing ($found),
                       not-python ($runtime), runtime-retired ($runtime), other-role ($found),
                       failed-state ($reason)
"""

from __future__ import annotations

import json

from . import aws
from .check import CheckContext, Outcome, failed, passed

# Python runtimes AWS lets you create functions with (AWS Lambda Developer Guide, "Lambda runtimes"):
# python3.9 is deprecated since 2025-12-15 (no security patches) and blocked for new functions from
# 2027-02-01; it is accepted with a note, as the blog posts use it.
DEPRECATED_RUNTIMES = {"python3.9"}
MIN_PYTHON = (3, 9)


def role_trusts_service(ctx: CheckContext, role_name: str, service: str = "lambda.amazonaws.com") -> Outcome:
    role = aws.role(ctx, role_name)
    if role is None:
        return failed("missing", found=", ".join(aws.role_names(ctx)) or "-")
    if not aws.trusts_service(role, service):
        return failed("no-trust", debug=json.dumps(role["AssumeRolePolicyDocument"]))
    return passed()


def python_version(runtime: str) -> tuple[int, int] | None:
    if not runtime.startswith("python3."):
        return None
    try:
        return 3, int(runtime.removeprefix("python3."))
    except ValueError:
        return None


def python_function(ctx: CheckContext, function_name: str, role_name: str) -> Outcome:
    fn = aws.function(ctx, function_name)
    if fn is None:
        return failed("missing", found=", ".join(aws.function_names(ctx)) or "-")
    runtime = fn.get("Runtime") or "-"
    version = python_version(runtime)
    if version is None:
        return failed("not-python", runtime=runtime)
    if version < MIN_PYTHON:
        return failed("runtime-retired", runtime=runtime)
    role = aws.role(ctx, role_name)
    if role is None or fn.get("Role") != role["Arn"]:
        return failed("other-role", found=fn.get("Role") or "-")
    if fn.get("State") == "Failed":
        return failed("failed-state", reason=fn.get("StateReason") or fn.get("StateReasonCode") or "-")
    if runtime in DEPRECATED_RUNTIMES:
        return passed("pass-deprecated", runtime=runtime)
    return passed(runtime=runtime)
