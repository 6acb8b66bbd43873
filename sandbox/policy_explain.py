"""A decision of the policy evaluator in words (ja/en), for `awslab policy simulate` and for the
messages of checks that judge a request (the S3 enforcement journals decisions in the same shape:
sandbox.iam_policy.Decision.as_dict() plus principal/action/resource)."""

from __future__ import annotations

import json

from . import iam_policy
from .i18n import t

_REASONS = {
    iam_policy.ROOT_USER: "policy-allowed-root",
    iam_policy.NO_ALLOW: "policy-no-allow",
    iam_policy.PERMISSIONS_BOUNDARY: "policy-boundary",
    iam_policy.SESSION_POLICY: "policy-session",
    iam_policy.CROSS_ACCOUNT_RESOURCE: "policy-cross-resource",
    iam_policy.CROSS_ACCOUNT_IDENTITY: "policy-cross-identity",
}
_KINDS = {
    iam_policy.RESOURCE_BASED: "policy-kind-resource",
    iam_policy.IDENTITY_BASED: "policy-kind-identity",
    iam_policy.BOUNDARY_POLICY: "policy-kind-boundary",
    iam_policy.SESSION_BASED: "policy-kind-session",
    iam_policy.VPC_ENDPOINT_POLICY: "policy-kind-endpoint",
    iam_policy.BUCKET_POLICY: "policy-kind-bucket",
}


def _value(value, lang: str) -> str:
    if value is None:
        return t("policy-absent", lang)
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def policy_label(name: str | None, kind: str | None, lang: str) -> str:
    """"bucket policy" / "AmazonS3FullAccess (identity-based policy)" in the chosen language."""
    if name in _KINDS:
        return t(_KINDS[name], lang)
    if name and name.startswith(iam_policy.VPC_ENDPOINT_POLICY):
        return t("policy-kind-endpoint", lang) + name[len(iam_policy.VPC_ENDPOINT_POLICY):]
    kind_text = t(_KINDS[kind], lang) if kind in _KINDS else (kind or "")
    return f"{name} ({kind_text})" if name and kind_text else (name or kind_text)


def condition_text(condition: dict, lang: str) -> str:
    key = "policy-condition-held" if condition["holds"] else "policy-condition-failed"
    return t(key, lang, key_name=condition["key"], actual=_value(condition.get("actual"), lang),
             operator=condition["operator"], expected=json.dumps(condition["expected"], ensure_ascii=False))


def explain(record: dict, lang: str) -> str:
    """One paragraph: the effect, the deciding policy and statement, the conditions that made it
    apply or, for an implicit deny, the statements that came closest and what did not match."""
    sid = record.get("sid") or t("policy-no-sid", lang)
    label = policy_label(record.get("policy"), record.get("policy_type"), lang)
    effect, reason = record.get("effect"), record.get("reason") or ""
    params = {"sid": sid, "policy": label, "principal": record.get("principal") or "-",
              "action": record.get("action") or "-", "resource": record.get("resource") or "-"}
    if reason.startswith("invalid-policy"):
        return t("policy-invalid", lang, problem=reason.partition(":")[2].strip())
    if effect == iam_policy.ALLOW:
        head = t("policy-allowed-root", lang, **params) if reason == iam_policy.ROOT_USER else \
            t("policy-allowed-by", lang, **params)
        parts = [head]
    elif effect == iam_policy.DENY:
        parts = [t("policy-denied-by", lang, **params)]
    else:
        if record.get("policy_type") == iam_policy.VPC_ENDPOINT_POLICY:
            parts = [t("policy-endpoint", lang, **params)]
        else:
            parts = [t(_REASONS.get(reason, "policy-no-allow"), lang, **params)]
        for miss in record.get("misses") or []:
            miss_params = {"sid": miss.get("sid") or t("policy-no-sid", lang),
                           "policy": policy_label(miss.get("policy"), None, lang), "element": miss["element"]}
            if miss.get("condition"):
                parts.append(t("policy-miss-condition", lang, **miss_params,
                               condition=condition_text(miss["condition"], lang)))
            else:
                parts.append(t("policy-miss-element", lang, **miss_params))
        return _join(parts, lang)
    parts += [condition_text(c, lang) for c in record.get("conditions") or []]
    return _join(parts, lang)


def _join(sentences: list[str], lang: str) -> str:
    return ("" if lang == "ja" else " ").join(sentences)
