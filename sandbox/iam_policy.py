"""A small IAM policy evaluator: does a policy allow a request, and which statement decides?

Pure Python, no LocalStack imports, so both the grader and emulator plugins can use it. It follows
the IAM User Guide's policy evaluation logic and element reference:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- an explicit Deny wins over any Allow, no matching statement is an implicit deny;
- Action matching is case-insensitive, Resource matching case-sensitive, both with * and ? wildcards;
- ARN operators compare the six colon-separated parts one by one;
- a condition key missing from the request makes positive operators false and negated operators
  (StringNotEquals, ArnNotLike, ...) true; "...IfExists" makes a missing key true; Null tests presence;
- condition key names are case-insensitive; several values under one key are ORed, several keys and
  operators ANDed; ForAnyValue/ForAllValues apply to multi-valued keys.
Not covered yet: policy variables (${aws:username}) and NotPrincipal with Deny nuances.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"


@dataclass
class Request:
    action: str
    resource: str
    # {"AWS": "arn:aws:iam::123456789012:root"} or {"Service": "s3.amazonaws.com"}; None = anonymous
    principal: dict[str, str] | None = None
    context: dict[str, object] = field(default_factory=dict)


@dataclass
class Decision:
    effect: str  # Allow, Deny or ImplicitDeny
    statement: dict | None = None  # the statement that decided (None for an implicit deny)

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW


class PolicyError(ValueError):
    """The document is not a valid policy (AWS: MalformedPolicyDocument)."""


def parse(document: str | dict) -> list[dict]:
    """The statements of a policy document (JSON text or dict)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"policy is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyError("policy has no Statement")
    statements = document["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise PolicyError("Statement must be an object or a list of objects")
    for stmt in statements:
        if stmt.get("Effect") not in (ALLOW, DENY):
            raise PolicyError(f"statement {stmt.get('Sid', '')!r} has no valid Effect")
    return statements


def evaluate(document: str | dict, request: Request) -> Decision:
    allow = None
    for stmt in parse(document):
        if not statement_applies(stmt, request):
            continue
        if stmt["Effect"] == DENY:
            return Decision(DENY, stmt)
        allow = allow or stmt
    return Decision(ALLOW, allow) if allow else Decision(IMPLICIT_DENY)


def statement_applies(stmt: dict, request: Request) -> bool:
    return (
        _matches_element(stmt, "Action", "NotAction", request.action, _action_match)
        and _matches_element(stmt, "Resource", "NotResource", request.resource, _glob_match)
        and _principal_applies(stmt, request.principal)
        and conditions_hold(stmt.get("Condition") or {}, request.context)
    )


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches_element(stmt, name, not_name, value, match) -> bool:
    if name in stmt:
        return any(match(p, value) for p in _as_list(stmt[name]))
    if not_name in stmt:
        return not any(match(p, value) for p in _as_list(stmt[not_name]))
    # Identity policies have no Principal, resource policies may omit Resource only in some services.
    return name == "Resource"


@lru_cache(maxsize=1024)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE if ignore_case else 0)


def _glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    # fnmatch would treat [ ] as character classes; IAM only knows * and ?.
    escaped = pattern.replace("[", "[[]")
    return bool(_glob_regex(escaped, ignore_case).match(value))


def _action_match(pattern: str, value: str) -> bool:
    return _glob_match(pattern, value, ignore_case=True)


def _principal_applies(stmt: dict, principal: dict[str, str] | None) -> bool:
    if "Principal" in stmt:
        return _principal_matches(stmt["Principal"], principal)
    if "NotPrincipal" in stmt:
        return not _principal_matches(stmt["NotPrincipal"], principal)
    return True  # identity-based policy: the principal is whoever carries it


def _principal_matches(spec, principal: dict[str, str] | None) -> bool:
    if spec == "*":
        return True
    if not isinstance(spec, dict):
        return False
    # "AWS": "*" means everyone, service principals included (IAM User Guide, Principal element).
    if "*" in _as_list(spec.get("AWS")):
        return True
    if not principal:
        return False
    for kind, value in principal.items():
        for candidate in _as_list(spec.get(kind)):
            if kind == "AWS":
                if _aws_principal_equal(candidate, value):
                    return True
            elif candidate == value:
                return True
    return False


def _aws_principal_equal(candidate: str, value: str) -> bool:
    if candidate == value:
        return True
    # "123456789012" is shorthand for arn:aws:iam::123456789012:root, which stands for the account.
    account = candidate if re.fullmatch(r"\d{12}", candidate) else None
    m = re.fullmatch(r"arn:aws[\w-]*:iam::(\d{12}):root", candidate)
    account = account or (m.group(1) if m else None)
    return bool(account and re.match(rf"arn:aws[\w-]*:(iam|sts)::{account}:", value))


# ---- conditions ---------------------------------------------------------------------------

def conditions_hold(conditions: dict, context: dict[str, object]) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, tests in conditions.items():
        if not isinstance(tests, dict):
            raise PolicyError(f"condition operator {operator} needs an object of keys")
        for key, expected in tests.items():
            if not _condition_holds(operator, lowered.get(key.lower()), _as_list(expected)):
                return False
    return True


_NEGATED = {
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "ArnNotEquals", "ArnNotLike", "NotIpAddress",
}


def _condition_holds(operator: str, actual, expected: list) -> bool:
    qualifier = None
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    base = operator[: -len("IfExists")] if if_exists else operator

    if base == "Null":
        want_null = str(expected[0]).lower() == "true"
        return (actual is None) == want_null
    if base not in _OPERATORS:
        raise PolicyError(f"unknown condition operator {operator}")

    if actual is None:
        if if_exists:
            return True
        if qualifier == "ForAllValues":
            return True  # an empty set satisfies "for all"
        return base in _NEGATED

    values = _as_list(actual)
    test = _OPERATORS[base]
    negated = base in _NEGATED
    if qualifier == "ForAllValues":
        return all(_single(test, negated, v, expected) for v in values)
    # ForAnyValue, and single-valued keys: one value is enough.
    return any(_single(test, negated, v, expected) for v in values)


def _single(test, negated: bool, value, expected: list) -> bool:
    # For negated operators the value must differ from every expected value.
    hit = any(test(value, e) for e in expected)
    return not hit if negated else hit


def _str_eq(a, b):
    return str(a) == str(b)


def _str_eq_ic(a, b):
    return str(a).lower() == str(b).lower()


def _str_like(a, b):
    return _glob_match(str(b), str(a))


def _num(op):
    def test(a, b):
        try:
            return op(float(a), float(b))
        except (TypeError, ValueError):
            return False
    return test


def _date(op):
    def parse_date(v):
        if isinstance(v, (int, float)) or re.fullmatch(r"\d+", str(v)):
            return datetime.fromtimestamp(float(v)).astimezone()
        return datetime.fromisoformat(str(v).replace("Z", "+00:00"))

    def test(a, b):
        try:
            return op(parse_date(a), parse_date(b))
        except (TypeError, ValueError):
            return False
    return test


def _bool(a, b):
    return str(a).lower() == str(b).lower()


def _ip(a, b):
    try:
        return ipaddress.ip_address(str(a)) in ipaddress.ip_network(str(b), strict=False)
    except ValueError:
        return False


def _arn_like(a, b):
    actual, pattern = str(a).split(":", 5), str(b).split(":", 5)
    if len(actual) != 6 or len(pattern) != 6:
        return False
    return all(_glob_match(p, v) for p, v in zip(pattern, actual, strict=True))


def _arn_eq(a, b):
    return _arn_like(a, b)  # AWS documents ArnEquals with the same wildcard semantics as ArnLike


_OPERATORS = {
    "StringEquals": _str_eq, "StringNotEquals": _str_eq,
    "StringEqualsIgnoreCase": _str_eq_ic, "StringNotEqualsIgnoreCase": _str_eq_ic,
    "StringLike": _str_like, "StringNotLike": _str_like,
    "NumericEquals": _num(lambda a, b: a == b), "NumericNotEquals": _num(lambda a, b: a == b),
    "NumericLessThan": _num(lambda a, b: a < b), "NumericLessThanEquals": _num(lambda a, b: a <= b),
    "NumericGreaterThan": _num(lambda a, b: a > b), "NumericGreaterThanEquals": _num(lambda a, b: a >= b),
    "DateEquals": _date(lambda a, b: a == b), "DateNotEquals": _date(lambda a, b: a == b),
    "DateLessThan": _date(lambda a, b: a < b), "DateLessThanEquals": _date(lambda a, b: a <= b),
    "DateGreaterThan": _date(lambda a, b: a > b), "DateGreaterThanEquals": _date(lambda a, b: a >= b),
    "Bool": _bool, "BinaryEquals": _str_eq,
    "IpAddress": _ip, "NotIpAddress": _ip,
    "ArnEquals": _arn_eq, "ArnLike": _arn_like, "ArnNotEquals": _arn_eq, "ArnNotLike": _arn_like,
}
