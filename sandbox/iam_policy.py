"""A small IAM policy evaluator: is a request allowed, and which statement (or missing statement)
decides?

Pure Python, no LocalStack imports, so the grader, the CLI (`awslab policy simulate`) and the emulator
plugins (queue and S3 enforcement) share it. It follows the IAM User Guide:
- Policy evaluation logic, and "Policy evaluation for requests within a single account"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  and "Cross-account policy evaluation logic"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  An explicit Deny in any policy wins; within one account an Allow in the identity-based OR the
  resource-based policy is enough (union), across accounts both are needed; a permissions boundary
  or session policy can turn an identity Allow into an implicit deny; a resource policy that names
  the IAM user or the role session itself is not limited by them, one that names the role is limited
  by boundary and session policy, one that names only the account delegates to identity policies.
  The account's root user has every permission in its own account unless explicitly denied.
- Condition operators, and "Creating a condition with multiple keys or values" (set operators)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
  A key missing from the request makes positive operators false and negated operators true;
  ...IfExists makes a missing key true; Null tests presence; ForAllValues is true for a missing or
  empty key, ForAnyValue false. Key names are case-insensitive; several values under one key are
  ORed, several keys and operators ANDed.
- Policy variables ("IAM policy elements: Variables and tags")
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
  ${key} in Resource/NotResource and in String, ARN and Bool condition values, only with
  "Version": "2012-10-17" (else literal text); ${key, 'default'}; ${*} ${?} ${$} stand for the literal
  characters; a variable that cannot be resolved makes the statement not apply.
- Principal / NotPrincipal elements
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
  An account id or its root ARN stands for every principal of the account, a role ARN for its
  sessions; NotPrincipal excludes a caller only when every identity AWS may check for it (account,
  role, session or user) is named, as the NotPrincipal page warns.
Action matching is case-insensitive, Resource and ARN matching case-sensitive, both with * and ?.

Entry points: `evaluate(document, request)` for one policy; `authorize(request, identity=...,
resource=..., ...)` for the combination. A `Decision` names the deciding policy and statement, the
conditions that made it apply (`conditions`) and, for an implicit deny, the statements that came
closest and what did not match (`misses`).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"
VARIABLES_VERSION = "2012-10-17"

# Kinds of policy (Decision.policy_type), worded as in AWS's access-denied messages.
RESOURCE_BASED, IDENTITY_BASED = "resource-based policy", "identity-based policy"
BOUNDARY_POLICY, SESSION_BASED = "permissions boundary", "session policy"
# Names of the policies S3 requests are judged by (Policy.name; explanations translate them).
BUCKET_POLICY, VPC_ENDPOINT_POLICY = "bucket policy", "VPC endpoint policy"

# Why a decision was reached (Decision.reason).
EXPLICIT_DENY = "explicit-deny"
ROOT_USER = "root-user"  # the account's root user in its own account: every permission
RESOURCE_POLICY = "resource-policy"
IDENTITY_POLICY = "identity-policy"
NO_ALLOW = "no-allow"
PERMISSIONS_BOUNDARY = "permissions-boundary"
SESSION_POLICY = "session-policy"
CROSS_ACCOUNT_RESOURCE = "cross-account-resource"  # the resource policy does not admit the caller
CROSS_ACCOUNT_IDENTITY = "cross-account-identity"  # the caller's own policies do not allow it


@dataclass
class Request:
    action: str
    resource: str
    # {"AWS": "arn:aws:iam::123456789012:user/alice"} or {"Service": "s3.amazonaws.com"}; None = anonymous
    principal: dict[str, str] | None = None
    context: dict[str, object] = field(default_factory=dict)


@dataclass
class Policy:
    """A policy document with the name an explanation shows ("bucket policy", "EC2toS3Access")."""

    document: str | dict
    name: str = ""


@dataclass(frozen=True)
class ConditionCheck:
    """One key under one operator, as evaluated for a request."""

    operator: str  # as written, e.g. "StringNotEquals" or "ForAnyValue:StringLike"
    key: str  # as written, e.g. "aws:SourceVpce"
    expected: tuple  # the policy's values, variables substituted
    actual: object  # the request's value (a list for multi-valued keys); None = not in the request
    holds: bool

    def as_dict(self) -> dict:
        return {"operator": self.operator, "key": self.key, "expected": list(self.expected),
                "actual": self.actual if not isinstance(self.actual, (bytes, bytearray)) else repr(self.actual),
                "holds": self.holds}

    def describe(self) -> str:
        """English one-liner for logs and author-only debug text (learner texts live in messages)."""
        actual = "absent" if self.actual is None else json.dumps(self.actual, default=str)
        verdict = "holds" if self.holds else "fails"
        return f"{self.operator} {self.key} {list(self.expected)}: request has {actual} -> {verdict}"


@dataclass(frozen=True)
class Miss:
    """A statement with the requested action that did not apply, and the first part that did not match."""

    policy: str
    statement: dict
    element: str  # "Principal" | "NotPrincipal" | "Resource" | "NotResource" | "Condition"
    condition: ConditionCheck | None = None

    @property
    def sid(self) -> str | None:
        return self.statement.get("Sid")


@dataclass
class Decision:
    effect: str  # Allow, Deny or ImplicitDeny
    statement: dict | None = None  # the statement that decided (None for an implicit deny)
    policy: str | None = None  # name of the policy holding that statement
    reason: str = ""
    misses: list[Miss] = field(default_factory=list)  # implicit deny: what came closest
    # For authorize(): the kind of policy that decided ("resource-based policy", "identity-based
    # policy", "permissions boundary", "session policy"), worded as AWS's access-denied messages.
    policy_type: str | None = None
    _ctx: object = field(default=None, repr=False, compare=False)
    _variables: bool = field(default=False, repr=False, compare=False)

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    @property
    def sid(self) -> str | None:
        return self.statement.get("Sid") if self.statement else None

    @property
    def conditions(self) -> list[ConditionCheck]:
        """The deciding statement's conditions, each with the request's value (all of them hold)."""
        if not self.statement or self._ctx is None:
            return []
        return list(_condition_checks(self.statement.get("Condition") or {}, self._ctx, self._variables))

    def as_dict(self, misses: int = 5) -> dict:
        """JSON-able summary (the journal's and `awslab policy simulate --format json`'s shape)."""
        return {
            "effect": self.effect, "reason": self.reason, "policy": self.policy,
            "policy_type": self.policy_type, "sid": self.sid,
            "conditions": [c.as_dict() for c in self.conditions],
            "misses": [{"policy": m.policy, "sid": m.sid, "element": m.element,
                        "condition": m.condition.as_dict() if m.condition else None}
                       for m in self.misses[:misses]],
        }


class PolicyError(ValueError):
    """The document is not a valid policy (AWS: MalformedPolicyDocument)."""


# ---- documents ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Document:
    statements: tuple
    variables: bool  # policy variables are substituted (Version 2012-10-17)


def parse(document: str | dict) -> list[dict]:
    """The statements of a policy document (JSON text or dict)."""
    return list(_document(document).statements)


def _document(document) -> _Document:
    if isinstance(document, _Document):
        return document
    if isinstance(document, str):
        return _parse_text(document)
    return _parse_dict(document)


@lru_cache(maxsize=512)
def _parse_text(text: str) -> _Document:
    # Cached: enforcement evaluates the same bucket policy text on every request.
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyError(f"policy is not valid JSON: {exc}") from None
    return _parse_dict(document)


def _parse_dict(document) -> _Document:
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
        if "Principal" in stmt and "NotPrincipal" in stmt:
            raise PolicyError(f"statement {stmt.get('Sid', '')!r} has both Principal and NotPrincipal")
        conditions = stmt.get("Condition") or {}
        if not isinstance(conditions, dict):
            raise PolicyError(f"statement {stmt.get('Sid', '')!r}: Condition must be an object")
        for name, operators in conditions.items():
            _split_operator(name)  # unknown operators are an error, as in IAM
            if not isinstance(operators, dict):
                raise PolicyError(f"condition operator {name} needs an object of keys")
    return _Document(tuple(statements), document.get("Version") == VARIABLES_VERSION)


# ---- the request, prepared once per evaluation -------------------------------------------------

_ROOT_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):root")
_ACCOUNT_ID = re.compile(r"\d{12}")
_ROLE_ARN = re.compile(r"arn:(aws[\w-]*):iam::(\d{12}):role/(?:.*/)?([^/]+)")
_SESSION_ARN = re.compile(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/(.+)")
_ANY_ARN = re.compile(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):(.+)")


@dataclass(frozen=True)
class Caller:
    """Who makes the request, as the Principal element sees it."""

    kind: str  # root | user | session | federated | role | service | anonymous | other
    arn: str | None = None
    account: str | None = None
    role_arn: str | None = None  # the role behind a session
    values: tuple = ()  # (kind, value) pairs of the Principal dict, for Service/Federated/...

    @property
    def chain(self) -> tuple[str, ...]:
        """The identities AWS may check for a NotPrincipal exclusion, account first."""
        if self.kind == "anonymous":
            return ("anonymous",)
        if self.kind in ("service", "other"):
            return tuple(f"{k}={v}" for k, v in self.values)
        root = f"arn:aws:iam::{self.account}:root"
        if self.kind == "root":
            return (root,)
        if self.kind == "session" and self.role_arn:
            return (root, self.role_arn, self.arn)
        return (root, self.arn)


def caller_of(principal: dict | None, context: dict | None = None) -> Caller:
    """Classify a Request.principal. A session's role ARN comes from aws:PrincipalArn when given
    (it keeps the role's path, which the session ARN drops)."""
    if not principal:
        return Caller("anonymous")
    arn = principal.get("AWS")
    if arn is None:
        return Caller("service" if "Service" in principal else "other",
                      values=tuple(sorted((k, str(v)) for k, v in principal.items())))
    arn = str(arn)
    if _ACCOUNT_ID.fullmatch(arn):
        return Caller("root", f"arn:aws:iam::{arn}:root", arn)
    m = _ROOT_ARN.fullmatch(arn)
    if m:
        return Caller("root", arn, m.group(1))
    m = _SESSION_ARN.fullmatch(arn)
    if m:
        role_arn = None
        for k, v in (context or {}).items():
            if k.lower() == "aws:principalarn" and _ROLE_ARN.fullmatch(str(v)):
                role_arn = str(v)
        role_arn = role_arn or f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}"
        return Caller("session", arn, m.group(2), role_arn)
    m = _ANY_ARN.fullmatch(arn)
    if m:
        resource = m.group(2)
        kind = ("user" if resource.startswith("user/") else "federated" if resource.startswith("federated-user/")
                else "role" if resource.startswith("role/") else "other")
        return Caller(kind, arn, m.group(1), arn if kind == "role" else None)
    return Caller("other", arn, values=(("AWS", arn),))


def principal_keys(arn: str, principal_id: str | None = None, role_arn: str | None = None) -> dict:
    """The global condition keys that describe the caller (aws:PrincipalArn, aws:PrincipalAccount,
    aws:PrincipalType, aws:username, aws:userid), following the policy-variables page's table of
    principal key values. `principal_id` is the unique id (AIDA.../AROA...:session)."""
    caller = caller_of({"AWS": arn}, {"aws:PrincipalArn": role_arn} if role_arn else None)
    keys: dict[str, object] = {"aws:PrincipalAccount": caller.account} if caller.account else {}
    if caller.kind == "root":
        keys.update({"aws:PrincipalArn": caller.arn, "aws:PrincipalType": "Account",
                     "aws:userid": caller.account})
    elif caller.kind == "user":
        keys.update({"aws:PrincipalArn": arn, "aws:PrincipalType": "User",
                     "aws:username": arn.rsplit("/", 1)[-1]})
    elif caller.kind == "session":
        keys.update({"aws:PrincipalArn": caller.role_arn, "aws:PrincipalType": "AssumedRole"})
    elif caller.kind == "federated":
        keys.update({"aws:PrincipalArn": arn, "aws:PrincipalType": "FederatedUser"})
    if principal_id and caller.kind in ("user", "session", "federated"):
        keys["aws:userid"] = principal_id
    return keys


class _Ctx:
    """A request prepared for evaluation: lower-cased context keys, the classified caller."""

    __slots__ = ("action", "resource", "context", "caller", "principal")

    def __init__(self, request: Request):
        self.action = request.action
        self.resource = request.resource
        self.principal = request.principal
        self.context = {k.lower(): v for k, v in request.context.items()}
        self.caller = caller_of(request.principal, request.context)


# ---- one policy -------------------------------------------------------------------------------

def evaluate(document: str | dict, request: Request) -> Decision:
    """One policy on its own: its explicit Deny, else its Allow, else an implicit deny."""
    ctx = _Ctx(request)
    doc = _document(document)
    deny, allow, _strength, misses = _scan(doc, ctx, "", want_misses=True)
    if deny:
        return Decision(DENY, deny, None, EXPLICIT_DENY, _ctx=ctx, _variables=doc.variables)
    if allow:
        return Decision(ALLOW, allow, None, "", _ctx=ctx, _variables=doc.variables)
    return Decision(IMPLICIT_DENY, None, None, NO_ALLOW, misses, _ctx=ctx)


def statement_applies(stmt: dict, request: Request, variables: bool = False) -> bool:
    return _mismatch(stmt, _Ctx(request), variables) is None


def conditions_hold(conditions: dict, context: dict[str, object], variables: bool = False) -> bool:
    ctx = _Ctx(Request("", "", None, context))
    return all(c.holds for c in _condition_checks(conditions, ctx, variables))


_STRENGTH = {"account": 1, "role": 2, "exact": 3, "wildcard": 3}


def _scan(doc: _Document, ctx: _Ctx, name: str, want_misses: bool):
    """(first applying Deny, strongest applying Allow, its principal match, misses)."""
    allow, strength, misses = None, None, []
    for stmt in doc.statements:
        if not _matches_element(stmt, "Action", "NotAction", ctx.action, _action_match):
            continue
        problem = _mismatch(stmt, ctx, doc.variables, action_checked=True)
        if problem is not None:
            if want_misses and stmt["Effect"] == ALLOW:
                misses.append(Miss(name, stmt, *problem))
            continue
        if stmt["Effect"] == DENY:
            return stmt, None, None, []
        found = _principal_strength(stmt, ctx.caller)
        if allow is None or _STRENGTH.get(found, 3) > _STRENGTH.get(strength, 3):
            allow, strength = stmt, found
    return None, allow, strength, misses


def _mismatch(stmt: dict, ctx: _Ctx, variables: bool, action_checked: bool = False):
    """None when the statement applies, else (element, failed condition or None)."""
    if not action_checked and not _matches_element(stmt, "Action", "NotAction", ctx.action, _action_match):
        return ("Action", None)
    if "Resource" in stmt or "NotResource" in stmt:
        name = "Resource" if "Resource" in stmt else "NotResource"
        hit = any(_resource_match(p, ctx, variables) for p in _as_list(stmt[name]))
        if hit != (name == "Resource"):
            return (name, None)
    if "Principal" in stmt and _principal_strength(stmt, ctx.caller) is None:
        return ("Principal", None)
    if "NotPrincipal" in stmt and _principal_strength(stmt, ctx.caller) is None:
        return ("NotPrincipal", None)
    for check in _condition_checks(stmt.get("Condition") or {}, ctx, variables):
        if not check.holds:
            return ("Condition", check)
    return None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _ActionIndex:
    """The Action (or NotAction) list of one statement, indexed by service prefix, so a statement
    with thousands of patterns (AWS managed ReadOnlyAccess) costs a few look-ups per request."""

    __slots__ = ("exact", "prefixes", "others", "stmt")

    def __init__(self, patterns: list, stmt: dict):
        self.stmt = stmt  # keeps the statement alive while its id() keys this index
        self.exact: set[str] = set()
        self.prefixes: dict[str, list[str]] = {}
        self.others: list = []
        for pattern in patterns:
            low = str(pattern).lower()
            service, sep, rest = low.partition(":")
            if "*" not in low and "?" not in low:
                self.exact.add(low)
            elif sep and "*" not in service and "?" not in low and rest.find("*") == len(rest) - 1:
                self.prefixes.setdefault(service, []).append(low[:-1])
            else:
                self.others.append(_action_matcher(low))

    def match(self, value: str) -> bool:
        low = value.lower()
        if low in self.exact:
            return True
        for prefix in self.prefixes.get(low.partition(":")[0], ()):
            if low.startswith(prefix):
                return True
        return any(m(low) for m in self.others)


_ACTION_INDEXES: dict[tuple[int, str], _ActionIndex] = {}


def _action_index(stmt: dict, name: str) -> _ActionIndex:
    key = (id(stmt), name)
    found = _ACTION_INDEXES.get(key)
    if found is None or found.stmt is not stmt:
        if len(_ACTION_INDEXES) > 8192:
            _ACTION_INDEXES.clear()
        found = _ACTION_INDEXES[key] = _ActionIndex(_as_list(stmt[name]), stmt)
    return found


def _matches_element(stmt, name, not_name, value, match) -> bool:
    if match is _action_match:
        if name in stmt:
            return _action_index(stmt, name).match(value)
        if not_name in stmt:
            return not _action_index(stmt, not_name).match(value)
        return False
    if name in stmt:
        return any(match(p, value) for p in _as_list(stmt[name]))
    if not_name in stmt:
        return not any(match(p, value) for p in _as_list(stmt[not_name]))
    # Identity policies have no Principal, resource policies may omit Resource only in some services.
    return name == "Resource"


# ---- wildcards and variables ------------------------------------------------------------------

@lru_cache(maxsize=2048)
def _glob_body(pattern: str) -> str:
    # IAM knows only * and ?; everything else (brackets included) is literal.
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


@lru_cache(maxsize=2048)
def _compiled(segments: tuple, ignore_case: bool) -> re.Pattern:
    body = "".join(re.escape(text) if literal else _glob_body(text) for text, literal in segments)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _compiled(((pattern, False),), ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=65536)
def _action_matcher(pattern: str):
    """A matcher for one Action pattern. Large AWS managed policies (ReadOnlyAccess: thousands of
    "service:Get*" patterns) are evaluated on every call once IAM decides everything: equality and
    prefix patterns skip the regex engine, and the cache holds more patterns than re's own."""
    low = pattern.lower()
    if "*" not in low and "?" not in low:
        return low.__eq__
    if "?" not in low and low.index("*") == len(low) - 1:
        return low[:-1] and (lambda value, prefix=low[:-1]: value.startswith(prefix)) or (lambda value: True)
    compiled = re.compile(_glob_body(low), re.DOTALL)
    return lambda value: compiled.fullmatch(value) is not None


def _action_match(pattern: str, value: str) -> bool:
    return _action_matcher(str(pattern))(value.lower())


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def _expand(text: str, ctx: _Ctx, variables: bool) -> tuple | None:
    """`text` as (piece, is_literal) segments with policy variables substituted (their values and
    ${*} ${?} ${$} are literal, never wildcards); None when a variable cannot be resolved."""
    text = str(text)
    if not variables or "${" not in text:
        return ((text, False),)
    segments, last = [], 0
    for m in _VARIABLE.finditer(text):
        segments.append((text[last:m.start()], False))
        value = _variable_value(m.group(1), ctx)
        if value is None:
            return None
        segments.append((value, True))
        last = m.end()
    segments.append((text[last:], False))
    return tuple(s for s in segments if s[0])


def _variable_value(spec: str, ctx: _Ctx) -> str | None:
    spec = spec.strip()
    if spec in _SPECIAL:
        return _SPECIAL[spec]
    key, _, default = spec.partition(",")
    value = ctx.context.get(key.strip().lower())
    if isinstance(value, (list, tuple, set)):
        value = None  # multi-valued keys cannot be used as variables
    if value is None:
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        return None
    return _text(value)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _resource_match(pattern, ctx: _Ctx, variables: bool) -> bool:
    segments = _expand(pattern, ctx, variables)
    return segments is not None and _compiled(segments, False).fullmatch(ctx.resource) is not None


# ---- principals -------------------------------------------------------------------------------

def _principal_strength(stmt: dict, caller: Caller) -> str | None:
    """How a statement's Principal/NotPrincipal names the caller: "wildcard", "exact" (the user,
    session or service itself), "role" (a session's role), "account"; None when it does not apply.
    Identity-based statements (neither element) apply to whoever carries them ("exact")."""
    if "Principal" in stmt:
        return _principal_match(stmt["Principal"], caller)
    if "NotPrincipal" in stmt:
        spec = stmt["NotPrincipal"]
        excluded = bool(caller.chain) and all(_names(spec, identity, caller) for identity in caller.chain)
        return None if excluded else "wildcard"
    return "exact"


def _principal_match(spec, caller: Caller) -> str | None:
    if spec == "*":
        return "wildcard"
    if not isinstance(spec, dict):
        return None
    best = None
    for kind, values in spec.items():
        for value in _as_list(values):
            found = _entry_match(kind, str(value), caller)
            if found and (best is None or _STRENGTH[found] > _STRENGTH[best]):
                best = found
    return best


def _entry_match(kind: str, value: str, caller: Caller) -> str | None:
    if kind != "AWS":
        return "exact" if (kind, value) in caller.values else None
    # "AWS": "*" means everyone, anonymous and service principals included (Principal element page).
    if value == "*":
        return "wildcard"
    if caller.arn is None:
        return None
    account = _account_of(value)
    if account:
        if account != caller.account:
            return None
        return "exact" if caller.kind == "root" else "account"
    if value == caller.arn:
        return "exact"
    if caller.kind == "session" and _same_role(value, caller.role_arn):
        return "role"
    return None


def _account_of(value: str) -> str | None:
    """The account for "123456789012" or its root ARN, which stand for the whole account."""
    if _ACCOUNT_ID.fullmatch(value):
        return value
    m = _ROOT_ARN.fullmatch(value)
    return m.group(1) if m else None


def _same_role(candidate: str, role_arn: str | None) -> bool:
    # Role names are unique in an account whatever their path.
    a, b = _ROLE_ARN.fullmatch(candidate), _ROLE_ARN.fullmatch(role_arn or "")
    return bool(a and b and a.group(2) == b.group(2) and a.group(3) == b.group(3))


def _names(spec, identity: str, caller: Caller) -> bool:
    """Does a NotPrincipal spec name this identity of the caller's chain?"""
    if spec == "*":
        return True
    if not isinstance(spec, dict):
        return False
    for kind, values in spec.items():
        for value in map(str, _as_list(values)):
            if kind != "AWS":
                if identity == f"{kind}={value}":
                    return True
            elif value == "*" or value == identity:
                return True
            elif _account_of(value) and f"arn:aws:iam::{_account_of(value)}:root" == identity:
                return True
            elif _same_role(value, identity):
                return True
    return False


# ---- conditions -------------------------------------------------------------------------------

_NEGATED = {
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "ArnNotEquals", "ArnNotLike", "NotIpAddress",
}
# Operators whose policy values may hold variables (policy variables page, "Condition element").
_VARIABLE_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool",
}
_QUALIFIERS = ("ForAllValues", "ForAnyValue")


@lru_cache(maxsize=256)
def _split_operator(name: str) -> tuple[str | None, str, bool]:
    """(set qualifier, base operator, IfExists) of an operator name; PolicyError if unknown."""
    qualifier, operator = None, name
    if ":" in name:
        qualifier, operator = name.split(":", 1)
        if qualifier not in _QUALIFIERS:
            raise PolicyError(f"unknown condition operator {name}")
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    base = operator[: -len("IfExists")] if if_exists else operator
    if base != "Null" and base not in _OPERATORS or (base == "Null" and if_exists):
        raise PolicyError(f"unknown condition operator {name}")
    return qualifier, base, if_exists


def _condition_checks(conditions: dict, ctx: _Ctx, variables: bool):
    if not isinstance(conditions, dict):
        raise PolicyError("Condition must be an object")
    for operator, tests in conditions.items():
        if not isinstance(tests, dict):
            raise PolicyError(f"condition operator {operator} needs an object of keys")
        qualifier, base, if_exists = _split_operator(operator)
        for key, expected in tests.items():
            actual = ctx.context.get(key.lower())
            values = _as_list(expected)
            if variables and base in _VARIABLE_OPERATORS:
                expanded = [_expand(v, ctx, True) for v in values]
                if any(e is None for e in expanded):
                    yield ConditionCheck(operator, key, tuple(values), actual, False)  # unresolved variable
                    continue
                values = expanded
            else:
                values = [((str(v), False),) if base in _VARIABLE_OPERATORS else v for v in values]
            holds = _holds(qualifier, base, if_exists, actual, values)
            shown = tuple("".join(t for t, _ in v) if isinstance(v, tuple) else v for v in values)
            yield ConditionCheck(operator, key, shown, actual, holds)


def _holds(qualifier, base: str, if_exists: bool, actual, expected: list) -> bool:
    empty = actual is None or actual == "" or (isinstance(actual, (list, tuple, set)) and not actual)
    if base == "Null":
        return empty == (str(expected[0]).lower() == "true") if expected else False
    if qualifier == "ForAllValues" and empty:
        return True
    if qualifier == "ForAnyValue" and empty:
        return False
    if actual is None:
        return True if if_exists else base in _NEGATED

    test = _OPERATORS[base]
    negated = base in _NEGATED
    values = list(actual) if isinstance(actual, (list, tuple, set)) else [actual]

    def one(value) -> bool:
        # For negated operators the value must differ from every expected value.
        hit = any(test(value, e) for e in expected)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _segments_text(segments) -> str:
    return "".join(t for t, _ in segments) if isinstance(segments, tuple) else str(segments)


def _str_eq(a, b):
    return _text(a) == _segments_text(b)


def _str_eq_ic(a, b):
    return _text(a).lower() == _segments_text(b).lower()


def _str_like(a, b):
    segments = b if isinstance(b, tuple) else ((str(b), False),)
    return _compiled(segments, False).fullmatch(_text(a)) is not None


def _num(op):
    def test(a, b):
        try:
            return op(float(a), float(b))
        except (TypeError, ValueError):
            return False
    return test


def _parse_date(value) -> datetime:
    # W3C ISO 8601 formats or epoch seconds (condition operators page, "Date condition operators").
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) or re.fullmatch(r"\d+(\.\d+)?", str(value)):
        return datetime.fromtimestamp(float(value), timezone.utc)
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _date(op):
    def test(a, b):
        try:
            return op(_parse_date(a), _parse_date(b))
        except (TypeError, ValueError):
            return False
    return test


def _bool(a, b):
    return _text(a).lower() == _segments_text(b).lower()


def _binary(a, b):
    try:
        wanted = base64.b64decode(str(b), validate=True)
    except ValueError:
        return False
    if isinstance(a, (bytes, bytearray)):
        return bytes(a) == wanted
    try:
        return base64.b64decode(str(a), validate=True) == wanted
    except ValueError:
        return str(a).encode() == wanted


def _ip(a, b):
    try:
        return ipaddress.ip_address(str(a).split("/")[0]) in ipaddress.ip_network(str(b), strict=False)
    except ValueError:
        return False


def _arn_like(a, b):
    segments = b if isinstance(b, tuple) else ((str(b), False),)
    actual = _text(a).split(":", 5)
    if len(actual) != 6:
        return False
    # Split the pattern into its six parts, keeping variable values (literal) inside their part.
    parts: list[list] = [[]]
    for text, literal in segments:
        pieces = [text] if literal else text.split(":")
        for i, piece in enumerate(pieces):
            if i and len(parts) < 6:
                parts.append([])
            elif i:
                parts[-1].append((":", True))
            if piece:
                parts[-1].append((piece, literal))
    if len(parts) != 6:
        return False
    return all(_compiled(tuple(p), False).fullmatch(v) is not None for p, v in zip(parts, actual, strict=True))


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
    "Bool": _bool, "BinaryEquals": _binary,
    "IpAddress": _ip, "NotIpAddress": _ip,
    # ArnEquals and ArnLike behave identically (condition operators page).
    "ArnEquals": _arn_like, "ArnLike": _arn_like, "ArnNotEquals": _arn_like, "ArnNotLike": _arn_like,
}


# ---- several policies -------------------------------------------------------------------------

def _policies(value, default_name: str) -> list[tuple[_Document, str]]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    found = []
    for i, item in enumerate(items):
        if isinstance(item, Policy):
            found.append((_document(item.document), item.name or default_name))
        else:
            found.append((_document(item), default_name if len(items) == 1 else f"{default_name} #{i + 1}"))
    return found


def authorize(
    request: Request,
    *,
    identity=(),
    resource=None,
    resource_account: str | None = None,
    boundary=None,
    session=(),
) -> Decision:
    """Combine the policies that apply to one request, as the evaluation-logic pages describe.

    identity: the caller's identity-based policies (user, its groups, or the session's role);
    resource: the resource-based policy (bucket policy, queue policy...), or None;
    resource_account: the account owning the resource (default: the caller's, i.e. same account);
    boundary: the caller's permissions boundary, or None; session: session policies of a session.
    Each is a document, a Policy (document + name for the explanation), or a list of them.
    """
    ctx = _Ctx(request)
    caller = ctx.caller
    identities = _policies(identity, "identity-based policy")
    resources = _policies(resource, "resource-based policy")
    boundaries = _policies(boundary, "permissions boundary")
    sessions = _policies(session, "session policy")

    scans = {}
    misses: list[Miss] = []
    for group, policies in ((RESOURCE_BASED, resources), (IDENTITY_BASED, identities),
                            (BOUNDARY_POLICY, boundaries), (SESSION_BASED, sessions)):
        for doc, name in policies:
            deny, allow, strength, missed = _scan(doc, ctx, name, want_misses=True)
            if deny:
                return Decision(DENY, deny, name, EXPLICIT_DENY, policy_type=group, _ctx=ctx,
                                _variables=doc.variables)
            scans.setdefault(group, []).append((allow, strength, name, doc, group))
            misses.extend(missed)

    def best(group):
        found = [s for s in scans.get(group, []) if s[0] is not None]
        return max(found, key=lambda s: _STRENGTH.get(s[1], 3)) if found else None

    def allowed(scan, reason):
        allow, _strength, name, doc, group = scan
        return Decision(ALLOW, allow, name, reason, policy_type=group, _ctx=ctx, _variables=doc.variables)

    def implicit(reason, group=None):
        return Decision(IMPLICIT_DENY, None, None, reason, misses, policy_type=group, _ctx=ctx)

    res, ident = best(RESOURCE_BASED), best(IDENTITY_BASED)
    same_account = resource_account is None or resource_account == caller.account

    if caller.kind == "root" and same_account:
        return Decision(ALLOW, None, None, ROOT_USER, _ctx=ctx)
    if caller.kind in ("anonymous", "service", "other") or (caller.kind == "root"):
        # No identity policies: the resource policy alone decides (a root user of another account
        # has full permissions in its own account, so the bucket owner's grant is enough).
        return allowed(res, RESOURCE_POLICY) if res else implicit(
            NO_ALLOW if same_account else CROSS_ACCOUNT_RESOURCE, RESOURCE_BASED)

    def limit(scan, reason, by_boundary=True, by_session=True):
        """The Allow `scan`, unless a boundary or session policy leaves it out."""
        if by_boundary and boundaries and best(BOUNDARY_POLICY) is None:
            return implicit(PERMISSIONS_BOUNDARY, BOUNDARY_POLICY)
        if by_session and caller.kind in ("session", "federated") and sessions and best(SESSION_BASED) is None:
            return implicit(SESSION_POLICY, SESSION_BASED)
        return allowed(scan, reason)

    if not same_account:
        # Cross-account: the resource policy must admit the caller (any way of naming it) AND the
        # caller's own account must allow it.
        if res is None:
            return implicit(CROSS_ACCOUNT_RESOURCE, RESOURCE_BASED)
        if ident is None:
            return implicit(CROSS_ACCOUNT_IDENTITY, IDENTITY_BASED)
        return limit(ident, IDENTITY_POLICY)

    if res and res[1] in ("exact", "wildcard"):
        return allowed(res, RESOURCE_POLICY)  # granted to the user or session itself
    if ident:
        return limit(ident, IDENTITY_POLICY)
    if res and res[1] == "role":
        return limit(res, RESOURCE_POLICY)  # granted to the role: boundary and session policy apply
    # Nothing allows it; a grant to the account only delegates to identity policies.
    return implicit(NO_ALLOW, IDENTITY_BASED)
