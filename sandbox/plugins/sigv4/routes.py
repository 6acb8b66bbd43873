"""Who may call LocalStack's and awslab's own HTTP routes in classroom mode (no LocalStack import).

These routes are not AWS APIs, yet they reach every account: LocalStack's `/_localstack/*` (health,
and POST actions such as `{"action": "kill"}`, diagnose with the emulator's environment ...), its
`/_aws/*` developer endpoints (`/_aws/sqs/messages` returns any queue's messages, `/_aws/ses` every
sent mail ...) and awslab's `/_awslab/*` (reset, journal, IdP ...). The rule is the one of the AWS
APIs: a route that names accounts answers only a request signed by that account (SigV4 with its
registered secret, checked by handler.SignatureCheck.authenticate); every other route answers only
the instructor (`Authorization: Bearer <instructor token>` from `awslab class list`); a few are
public as their AWS counterparts are.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_plus

PREFIXES = ("/_localstack/", "/_aws/", "/_awslab/")

PUBLIC = "public"
ACCOUNT = "account"
INSTRUCTOR = "instructor"
IDP_LOGIN = "idp-login"
KEY_OWNER = "key-owner"

# Readable by anyone, as on AWS or by design: the health check (GET only), awslab's plugin list
# (`awslab up` and compose's healthcheck wait on it), the CloudFront edge (distributions are public;
# signed URLs are checked there), IMDS sessions (capability URLs handed to one instance's caller),
# the sign-in page (the signed SAML response is the credential), API Gateway's invoke URLs and SNS's
# signing certificate.
_PUBLIC_EXACT = {("GET", "/_localstack/health"), ("HEAD", "/_localstack/health"), ("GET", "/_awslab/info"),
                 ("HEAD", "/_awslab/info")}
_PUBLIC_PREFIXES = ("/_awslab/cloudfront/", "/_awslab/imds-session/", "/_awslab/signin/saml",
                    "/_aws/execute-api/", "/_aws/sns/SimpleNotificationService-")
_IDP_LOGIN = re.compile(r"^/_awslab/idp/(\d{12})/login/?$")
_IDENTITY = re.compile(r"^/_awslab/identity/([^/]+)/?$")
# A 12-digit account id between non-digits: in paths (/123456789012/), ARNs (:123456789012:) and
# queue URLs.
ACCOUNT_ID = re.compile(r"(?<!\d)(\d{12})(?!\d)")

# Developer endpoints read their target from the body too (QueueUrl in a JSON or form body).
MAX_BODY = 1 << 20


def rule(method: str, path: str) -> str:
    if (method, path) in _PUBLIC_EXACT or path.startswith(_PUBLIC_PREFIXES):
        return PUBLIC
    if _IDP_LOGIN.match(path):
        return IDP_LOGIN
    if _IDENTITY.match(path):
        return KEY_OWNER
    if path.startswith("/_awslab/"):
        return ACCOUNT if path_accounts(path) else INSTRUCTOR
    if path.startswith("/_aws/"):
        return ACCOUNT  # the accounts named in path, query or body; none named: instructor
    return INSTRUCTOR  # /_localstack/*


def path_accounts(path: str) -> set[str]:
    """The accounts an awslab route's path names: its segments that are an account id. Not any 12
    digits in it: an instance id (i-0a123456789012b) may hold a run of 12 digits."""
    return {segment for segment in path.split("/") if len(segment) == 12 and segment.isdigit()}


def identity_key(path: str) -> str | None:
    match = _IDENTITY.match(path)
    return unquote_plus(match.group(1)) if match else None


def named_accounts(path: str, query: str, body: bytes = b"") -> set[str]:
    """Every account id the request names: in its path, query, or body (JSON strings and numbers
    at any depth, else the form-decoded text)."""
    found = set(ACCOUNT_ID.findall(unquote_plus(path))) | set(ACCOUNT_ID.findall(unquote_plus(query)))
    if body:
        text = body.decode("utf-8", "replace")
        try:
            found |= _json_accounts(json.loads(text))
        except ValueError:
            found |= set(ACCOUNT_ID.findall(unquote_plus(text)))
        found |= set(ACCOUNT_ID.findall(text))  # also what a JSON string hides in escapes stays covered
    return found


def _json_accounts(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_json_accounts(k) | _json_accounts(v) for k, v in value.items())) if value else set()
    if isinstance(value, list):
        return set().union(*(_json_accounts(v) for v in value)) if value else set()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return set(ACCOUNT_ID.findall(unquote_plus(str(value))))
    return set()
