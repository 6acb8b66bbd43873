"""Checks of eventbridge-ec2-restart: one function per check id in scenario.yaml.

The blog names no rule, so the grader finds it by what it does: a rule on the default bus whose
pattern EventBridge itself (TestEventPattern) matches against this instance's "stopped" event
and not against its "running" event, and whose target is the function. Permissions are judged
the way AWS would judge them (IAM policy evaluation), since the emulator does not enforce IAM:
what passes here also works on AWS.

Event shape: Amazon EC2 User Guide, "State change events for Amazon EC2 instances".
Invoke permission: Amazon EventBridge User Guide, "Using resource-based policies for Amazon
EventBridge" (Lambda: lambda:InvokeFunction for events.amazonaws.com, aws:SourceArn = the rule).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

from grader import aws, common_checks
from grader.check import CheckContext, failed, passed
from grader.flows import Journal, caused_by, error_text, expect_hop, log_excerpt
from sandbox import iam_policy

FLOW_WAIT_S = 15.0  # how long the instance may take to run again
GRACE_S = 1.5  # how long after the function returned it may take (its StartInstances call is done by then)


def _instance(ctx: CheckContext) -> dict | None:
    return ctx.memoised("instance", lambda: aws.instance_named(ctx, ctx.names["instance"]))


def _instance_arn(ctx: CheckContext) -> str:
    found = _instance(ctx)
    return f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:instance/{found['InstanceId'] if found else '*'}"


def _state_event(ctx: CheckContext, instance_id: str, state: str) -> dict:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2", "account": ctx.account_id,
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": ctx.region,
        "resources": [f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:instance/{instance_id}"],
        "detail": {"instance-id": instance_id, "state": state},
    }


def role_trusts_lambda(ctx: CheckContext):
    return common_checks.role_trusts_service(ctx, ctx.names["role"])


def role_can_start_instance(ctx: CheckContext):
    missing = aws.role_denied_actions(ctx, ctx.names["role"], [("ec2:StartInstances", _instance_arn(ctx))])
    if missing:
        names = [name for name, _ in aws.role_policy_documents(ctx, ctx.names["role"])]
        return failed("not-allowed", policies=", ".join(names) or "-", arn=_instance_arn(ctx))
    return passed()


def function_exists(ctx: CheckContext):
    return common_checks.python_function(ctx, ctx.names["function"], ctx.names["role"])


def function_instance_id(ctx: CheckContext):
    instance = _instance(ctx)
    if instance is None:
        return failed("no-instance")
    variables = ((aws.function(ctx, ctx.names["function"]).get("Environment") or {}).get("Variables")) or {}
    if "INSTANCE_ID" not in variables:
        return failed("missing-variable", found=", ".join(sorted(variables)) or "-")
    if variables["INSTANCE_ID"] != instance["InstanceId"]:
        return failed("other-instance", value=variables["INSTANCE_ID"], instance_id=instance["InstanceId"])
    return passed(instance_id=instance["InstanceId"])


def _stop_rules(ctx: CheckContext) -> list[dict]:
    """The default bus's rules with what EventBridge says about this instance's stop and start."""

    def judge():
        instance = _instance(ctx)
        judged = []
        for rule in aws.bus_rules(ctx):
            pattern = rule.get("EventPattern")
            if not pattern or instance is None:
                continue
            iid = instance["InstanceId"]
            judged.append({**rule,
                           "matches_stop": aws.pattern_matches(ctx, pattern, _state_event(ctx, iid, "stopped")),
                           "matches_running": aws.pattern_matches(ctx, pattern, _state_event(ctx, iid, "running"))})
        return judged

    return ctx.memoised("stop-rules", judge)


def _good_rules(ctx: CheckContext) -> list[dict]:
    return [r for r in _stop_rules(ctx) if r["matches_stop"] and not r["matches_running"] and r.get("State") == "ENABLED"]


def _function_arn(ctx: CheckContext) -> str | None:
    fn = aws.function(ctx, ctx.names["function"])
    return fn["FunctionArn"] if fn else None


def _rule_targeting_function(ctx: CheckContext) -> tuple[dict, dict] | None:
    arn = _function_arn(ctx)
    for rule in _good_rules(ctx):
        for target in rule["Targets"]:
            if arn and aws.targets_function(target["Arn"], arn):
                return rule, target
    return None


def rule_matches_stop(ctx: CheckContext):
    if _instance(ctx) is None:
        return failed("no-instance")
    rules = _stop_rules(ctx)
    if not rules:
        return failed("no-rule", found=", ".join(r["Name"] for r in aws.bus_rules(ctx)) or "-")
    stopping = [r for r in rules if r["matches_stop"]]
    if not stopping:
        # name each rule's pattern: the learner sees which filter leaves the stop event out
        return failed("no-match", rules=", ".join(r["Name"] for r in rules),
                      patterns="; ".join(f"{r['Name']}: {r['EventPattern']}" for r in rules)[:600])
    enabled = [r for r in stopping if r.get("State") == "ENABLED"]
    if not enabled:
        return failed("disabled", rule=stopping[0]["Name"])
    if not _good_rules(ctx):
        return failed("matches-running", rule=enabled[0]["Name"], debug=enabled[0]["EventPattern"])
    found = _rule_targeting_function(ctx)
    return passed(rule=(found[0] if found else _good_rules(ctx)[0])["Name"])


def _input_text(target: dict) -> str:
    if "Input" in target:
        return f"Input {target['Input']}"
    if "InputPath" in target:
        return f"InputPath {target['InputPath']}"
    if "InputTransformer" in target:
        return "InputTransformer"
    return "event"


def rule_targets_function(ctx: CheckContext):
    found = _rule_targeting_function(ctx)
    if found is None:
        targets = [t["Arn"] for r in _good_rules(ctx) for t in r["Targets"]]
        return failed("no-target", rules=", ".join(r["Name"] for r in _good_rules(ctx)),
                      targets=", ".join(targets) or "-")
    rule, target = found
    return passed(rule=rule["Name"], input=_input_text(target))


def invoke_permission(ctx: CheckContext):
    # EventBridge invokes the ARN the target names; an alias or version is judged by its own
    # resource policy, as Lambda does (AddPermission with Qualifier).
    rule, target = _rule_targeting_function(ctx)
    qualifier = aws.function_qualifier(target["Arn"], _function_arn(ctx))
    policy = aws.function_policy(ctx, ctx.names["function"], qualifier)
    shown = f"{ctx.names['function']}:{qualifier}" if qualifier else ctx.names["function"]
    if policy is None:
        return failed("no-policy", target=shown)
    request = iam_policy.Request(
        action="lambda:InvokeFunction", resource=target["Arn"],
        principal={"Service": "events.amazonaws.com"},
        context={"aws:SourceArn": rule["Arn"], "aws:SourceAccount": ctx.account_id})
    if not iam_policy.evaluate(policy, request).allowed:
        return failed("not-allowed", rule=rule["Name"], rule_arn=rule["Arn"], target=shown, debug=json.dumps(policy))
    return passed(rule=rule["Name"], target=shown)


# ---- the flow: stop the instance, wait until it runs again -------------------------------------

def stop_restarts_instance(ctx: CheckContext):
    instance = aws.instance_named(ctx, ctx.names["instance"])
    if instance is None:
        return failed("no-instance")
    iid = instance["InstanceId"]
    ec2 = ctx.client("ec2")
    if aws.instance_state(ctx, iid) != "running":  # left stopped by an earlier try: start from running
        ec2.start_instances(InstanceIds=[iid])
        ctx.wait_for(lambda: aws.instance_state(ctx, iid) == "running", timeout=5)

    def restart_if_still_stopped():
        if aws.instance_state(ctx, iid) != "running":
            ec2.start_instances(InstanceIds=[iid])

    restart_if_still_stopped.__name__ = f"start {iid} again"
    journal = Journal(ctx)
    started = time.monotonic()
    ec2.stop_instances(InstanceIds=[iid])
    ctx.on_cleanup(restart_if_still_stopped)

    function = ctx.names["function"]
    first_result: list[float] = []  # when the function first returned normally

    def settled():
        journal.refresh()
        if _start_by_function(journal, function, iid) and aws.instance_state(ctx, iid) == "running":
            return "running"
        results = journal.lambda_results(function)
        if any(r["status"] != "ok" for r in results):
            return "failed"  # no need to wait any longer: the journal says what broke
        if results and not first_result:
            first_result.append(time.monotonic())
        if first_result and time.monotonic() - first_result[0] > GRACE_S:
            return "failed"  # the function returned some time ago and the instance is still not running
        return None

    outcome = ctx.wait_for(settled, timeout=FLOW_WAIT_S)
    seconds = f"{time.monotonic() - started:.1f}"
    if outcome == "running":
        rule_arn = next((r.get("source_arn") for r in journal.lambda_results(function)
                         if r.get("invoked_by") == "events"), None) or "-"
        rule = rule_arn.rsplit("/", 1)[-1]
        return passed(instance_id=iid, seconds=seconds, rule=rule)
    time.sleep(0.3)  # let the last hops of a slow run land before reading them
    journal.refresh()
    return _broken_hop(ctx, journal, iid, seconds)


def _start_by_function(journal: Journal, function: str, iid: str):
    """The StartInstances of this instance that a run of the function invoked by an EventBridge
    rule made (with its role session); anyone else's start (the learner's own loop) is in `others`."""
    runs = [r for r in journal.lambda_results(function) if r.get("invoked_by") == "events"]
    return expect_hop(journal, "api-call", via=runs, service="ec2", operation="StartInstances",
                      instance_ids=lambda ids: iid in (ids or []))


def _broken_hop(ctx: CheckContext, journal: Journal, iid: str, seconds: str):
    """Name the first hop of EC2 -> EventBridge -> Lambda -> EC2 that did not happen."""
    function, fn_arn = ctx.names["function"], _function_arn(ctx) or "-"
    debug = journal.timeline()
    start = _start_by_function(journal, function, iid)
    if not start and start.others:
        return failed("started-by-other", instance_id=iid, by=start.by, debug=debug)
    stopped = [e for e in journal.find("event-put", source="aws.ec2")
               if (e.get("detail") or {}).get("instance-id") == iid and e["detail"].get("state") == "stopped"]
    if not stopped:
        return failed("no-event", instance_id=iid, seconds=seconds, debug=debug)
    event_id = stopped[0]["event_id"]
    matched = [e for e in journal.find("rule-matched", event_id=event_id)
               if any(aws.targets_function(t, fn_arn) for t in e.get("targets") or [])]
    if not matched:
        rules = [f"{e['rule']} ({e.get('reason')})" for e in journal.find("rule-not-matched", event_id=event_id)]
        return failed("not-matched", instance_id=iid, rules=", ".join(rules) or "-", debug=debug)
    rule = matched[0]["rule"]
    invoked = [e for e in journal.find("target-invoked", event_id=event_id)
               if aws.targets_function(e.get("target_arn") or "", fn_arn)]
    if not invoked:
        return failed("not-invoked", rule=rule, debug=debug)
    target_failed = [e for e in journal.find("target-failed", event_id=event_id)
                     if aws.targets_function(e.get("target_arn") or "", fn_arn)]
    if target_failed:
        return failed("target-failed", rule=rule, error=target_failed[0].get("error"), debug=debug)
    results = journal.lambda_results(function, after=invoked[0])
    if not results:
        return failed("not-run", rule=rule, seconds=seconds, debug=debug)
    bad = [r for r in results if r["status"] != "ok"]
    if bad:
        result = bad[0]
        if result["status"] == "timeout":
            return failed("function-timeout", rule=rule, error=error_text(result), debug=debug)
        key = "function-failed-action" if _reads_missing_action(result) else "function-failed"
        return failed(key, rule=rule, error=error_text(result), log=log_excerpt(result), debug=debug)
    starts = [e for e in journal.find("api-call", after=invoked[0], service="ec2", operation="StartInstances")
              if iid in (e.get("instance_ids") or []) and caused_by(e, results)]
    if not starts:
        calls = [f"{e['service']}:{e['operation']}" for e in journal.find("api-call", after=invoked[0])]
        return failed("not-started", instance_id=iid, calls=", ".join(calls) or "-",
                      log=log_excerpt(results[-1]), debug=debug)
    if starts[0].get("error_code"):
        return failed("start-failed", instance_id=iid,
                      error=f"{starts[0]['error_code']}: {starts[0].get('error_message', '')}", debug=debug)
    return failed("still-stopped", instance_id=iid, seconds=seconds,
                  state=aws.instance_state(ctx, iid), debug=debug)


def _reads_missing_action(result: dict) -> bool:
    """The blog's handler reads event["Action"], which only the rule's constant input provides."""
    return result.get("error_type") == "KeyError" and "Action" in (result.get("error_message") or "")
