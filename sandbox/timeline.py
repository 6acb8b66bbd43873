"""The event journal as a readable timeline (ja/en), for `awslab events` and the grader's flow checks.

Entries come from EmulatorClient.journal(); their fields are listed in sandbox/plugins/journal/flows.py
(and `lambda-result` from the Lambda executor). One entry becomes one line; consecutive
"rule did not match" entries of one event are folded into one line, since every event is tested
against every rule of its bus.
"""

from __future__ import annotations

import json
from datetime import datetime

from .i18n import t

LOG_TAIL_LINES = 3  # lines of a failed function's log shown under its result
LOG_LINE_CHARS = 240  # a longer log line (a stack trace on one line) is cut


def short_name(arn: str | None) -> str:
    """The resource name at the end of an ARN (queue, function, rule, instance), or the text itself."""
    if not arn:
        return "-"
    tail = arn.split(":")[-1] if arn.startswith("arn:") else arn
    return tail.rsplit("/", 1)[-1]


def clock(entry: dict) -> str:
    """The entry's time as local HH:MM:SS.mmm."""
    try:
        when = datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).astimezone()
    except (KeyError, ValueError):
        return entry.get("time", "")
    return when.strftime("%H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def who(entry: dict) -> str:
    """The caller in short: root, user/alice, assumed-role/Lambda-Execute-Instance/MyFunctionEC2,
    the grader, or the AWS service principal that acted."""
    if entry.get("grader"):
        return t("hop-by-grader")
    if entry.get("caller"):
        return entry["caller"].split(":", 5)[-1]
    return entry.get("principal") or entry.get("access_key") or "-"


def _what(entry: dict) -> str:
    """What an API call acted on."""
    if entry.get("instance_ids"):
        return ", ".join(entry["instance_ids"])
    if entry.get("bucket"):
        return f"s3://{entry['bucket']}/{entry.get('key') or ''}"
    for key in ("queue", "function", "topic"):
        if entry.get(key):
            return short_name(entry[key])
    if entry.get("entries"):
        return ", ".join(f"{e.get('source')} \"{e.get('detail_type')}\"" for e in entry["entries"])
    return "-"


def _event_summary(entry: dict) -> str:
    detail = entry.get("detail")
    if isinstance(detail, dict) and "instance-id" in detail and "state" in detail:
        return f"{detail['instance-id']} → {detail['state']}"
    if isinstance(detail, dict) and isinstance(detail.get("object"), dict):
        bucket = (detail.get("bucket") or {}).get("name", "")
        return f"s3://{bucket}/{detail['object'].get('key', '')}"
    return ", ".join(short_name(r) for r in entry.get("resources") or []) or json.dumps(detail, ensure_ascii=False)[:120]


def describe(entry: dict, lang: str | None = None) -> str:
    """One line (without the time) saying what happened in this hop."""
    hop = entry.get("hop")
    e = entry
    if hop == "api-call":
        text = t("hop-api-call", lang, service=e.get("service"), operation=e.get("operation"),
                 what=_what(e), status=_status(e), by=who(e))
        if e.get("error_code"):
            text += f" ({e['error_code']}: {e.get('error_message', '')})"
        return text
    if hop == "event-put":
        return t("hop-event-put", lang, bus=e.get("bus"), source=e.get("source"),
                 detail_type=e.get("detail_type"), summary=_event_summary(e))
    if hop == "rule-matched":
        return t("hop-rule-matched", lang, rule=e.get("rule"),
                 targets=", ".join(short_name(a) for a in e.get("targets") or []) or "-")
    if hop == "rule-not-matched":
        return t("hop-rule-not-matched", lang, rules=_rule_label(e, lang))
    if hop == "target-invoked":
        return t("hop-target-invoked", lang, rule=e.get("rule"), service=e.get("service"),
                 target=short_name(e.get("target_arn")), input=e.get("input"))
    if hop == "target-failed":
        return t("hop-target-failed", lang, target=short_name(e.get("target_arn")), error=e.get("error"))
    if hop == "trigger-invoked":
        return t("hop-trigger-invoked", lang, queue=short_name(e.get("queue_arn")),
                 function=short_name(e.get("function_arn")), count=len(e.get("message_ids") or []))
    if hop == "trigger-done":
        key = "hop-trigger-done-ok" if e.get("status") == "ok" else "hop-trigger-done-error"
        return t(key, lang, queue=short_name(e.get("queue_arn")), function=short_name(e.get("function_arn")),
                 count=len(e.get("message_ids") or []), error=e.get("error") or "-")
    if hop == "lambda-result":
        return _lambda_result(e, lang)
    if hop == "sqs-delivery":
        key = "hop-sqs-delivery-refused" if e.get("status") in ("denied", "error") else "hop-sqs-delivery-ok"
        text = t(key, lang, principal=e.get("principal"), queue=e.get("queue"),
                 source=short_name(e.get("source_arn")),
                 error=e.get("error_code") or e.get("status"))
        about = " ".join([e["about"], *[k for k in e.get("keys") or [] if k]]) if e.get("about") else ""
        return f"{text}: {about}" if about else text
    if hop == "s3-delivery":
        text = t("hop-s3-delivery", lang, bucket=e.get("bucket"), object=e.get("key"),
                 operation=e.get("operation"), by=who(e))
        if e.get("error_code"):
            text += f" ({e['error_code']}: {e.get('error_message', '')})"
        return text
    if hop == "trigger-denied":
        return t("hop-trigger-denied", lang, function=short_name(e.get("function_arn")), action=e.get("action"),
                 queue=short_name(e.get("queue_arn")), role=short_name(e.get("role")))
    if hop == "service-denied":
        return service_denied(e, lang)
    if hop == "sts-assume-role":
        key = "hop-sts-assume-role-allowed" if e.get("outcome") == "allowed" else "hop-sts-assume-role-refused"
        return t(key, lang, caller=who(e), role=short_name(e.get("role")),
                 error=f"{e.get('error_code')}: {e.get('error_message')}")
    if hop == "authorization":  # a refusal by the authorization plugin (sandbox/plugins/authz)
        from .policy_explain import explain

        return t("hop-authorization-refused", lang, operation=e.get("operation"), service=e.get("service"),
                 why=explain(e, lang or "en"))
    fields = {k: v for k, v in e.items() if k not in ("seq", "time", "account", "region", "hop")}
    return f"{hop}: {json.dumps(fields, ensure_ascii=False)[:300]}"


# How AWS names the services whose deliveries the service_permissions plugin judges.
SERVICE_NAMES = {"events.amazonaws.com": "EventBridge", "s3.amazonaws.com": "S3", "sns.amazonaws.com": "SNS"}


def service_denied(e: dict, lang: str | None = None) -> str:
    """ "EventBridge could not invoke MyFunctionEC2: no resource-based policy allows events.amazonaws.com"."""
    principal = e.get("principal") or "-"
    decision = e.get("decision") or {}
    if e.get("explicit"):
        reason = t("hop-reason-resource-policy-denies", lang, policy=decision.get("policy") or "-", principal=principal)
    else:
        reason = t("hop-reason-no-resource-policy", lang, principal=principal)
    if (e.get("action") or "").startswith("kms:"):
        return t("hop-service-denied-kms", lang, service=SERVICE_NAMES.get(principal, principal),
                 queue=short_name(e.get("queue")), action=e.get("action"), kms_key=short_name(e.get("resource")),
                 reason=reason)
    key = "hop-service-denied-publish" if e.get("action") == "sns:Publish" else "hop-service-denied-invoke"
    resource = e.get("resource") or ""
    # A function keeps its version or alias (MyFunction:live); other targets show their name.
    target = resource.split(":function:", 1)[1] if ":function:" in resource else short_name(resource)
    return t(key, lang, service=SERVICE_NAMES.get(principal, principal), target=target, reason=reason)


def _status(entry: dict) -> str:
    """A request's HTTP status; "…" while the request is still being served."""
    return "…" if entry.get("status") is None else str(entry["status"])


def _rule_label(entry: dict, lang: str | None) -> str:
    if entry.get("reason") == "disabled":
        return t("hop-rule-disabled", lang, rule=entry.get("rule"))
    return str(entry.get("rule"))


def _lambda_result(e: dict, lang: str | None) -> str:
    function = e.get("function_name") or short_name(e.get("function_arn"))
    ms = e.get("duration_ms")
    ms = f"{ms:.0f}" if isinstance(ms, (int, float)) else "-"
    status = e.get("status")
    if status == "ok":
        return t("hop-lambda-ok", lang, function=function, ms=ms, type=e.get("invocation_type") or "-")
    if status == "timeout":
        return t("hop-lambda-timeout", lang, function=function, ms=ms, error=e.get("error_message") or "-")
    return t("hop-lambda-error", lang, function=function, ms=ms, error=error_text(e) or "-")


def error_text(result: dict) -> str:
    """"ErrorType: message" of a failed lambda-result ("" when it names neither)."""
    return ": ".join(x for x in (result.get("error_type"), result.get("error_message")) if x)


def log_tail_lines(entry: dict, failed_only: bool = True) -> list[str]:
    """The last lines of a function's log (the Lambda executor records log_tail); by default only
    for a failed run, where they explain the failure."""
    if entry.get("hop") != "lambda-result" or (failed_only and entry.get("status") == "ok"):
        return []
    tail = entry.get("log_tail") or []
    # The executor records a list of lines; a string (one per line) is read as well.
    lines = [line for line in (tail.splitlines() if isinstance(tail, str) else map(str, tail)) if line.strip()]
    return [line if len(line) <= LOG_LINE_CHARS else line[:LOG_LINE_CHARS] + "…" for line in lines[-LOG_TAIL_LINES:]]


def render(entries: list[dict], lang: str | None = None) -> list[str]:
    """Timeline lines, oldest first: `HH:MM:SS.mmm  <hop>  <what happened>`."""
    out: list[str] = []
    folded: dict | None = None  # the line of "rules not matched" being extended
    events: dict[str, str] = {}  # event id -> summary: rules of several events run concurrently
    for entry in entries:
        if entry.get("hop") == "event-put":
            events[entry.get("event_id")] = _event_summary(entry)
        about = events.get(entry.get("event_id")) if entry.get("hop") != "event-put" else None
        suffix = f"  [{about}]" if about else ""
        if entry.get("hop") == "rule-not-matched" and folded and folded["event_id"] == entry.get("event_id"):
            folded["rules"].append(_rule_label(entry, lang))
            out[folded["index"]] = (folded["prefix"] + t("hop-rule-not-matched", lang, rules=", ".join(folded["rules"]))
                                    + suffix)
            continue
        prefix = f"{clock(entry)}  {entry.get('hop', '?'):<16}  "
        out.append(prefix + describe(entry, lang) + suffix)
        folded = None
        if entry.get("hop") == "rule-not-matched":
            folded = {"event_id": entry.get("event_id"), "rules": [_rule_label(entry, lang)],
                      "index": len(out) - 1, "prefix": prefix}
        out += [" " * len(prefix) + "| " + line for line in log_tail_lines(entry)]
    return out
