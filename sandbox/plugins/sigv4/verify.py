"""Signature Version 4 verification, recomputed with botocore's own signer.

AWS's description of the algorithm: "Create a signed AWS API request" (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) and, for S3, "Signature
Calculations for the Authorization Header" / "Authenticating Requests: Using Query Parameters"
(Amazon S3 API Reference). Rather than re-implement it, the canonical request, string to sign and
signature are computed by the botocore classes that signed the learner's request (SigV4Auth,
S3SigV4Auth and their presigned-URL variants), fed with exactly what the client signed: its raw path,
its query, the headers it listed in SignedHeaders, its X-Amz-Date and its payload hash (S3's
x-amz-content-sha256 variants UNSIGNED-PAYLOAD, STREAMING-... and hex digests are taken from the
header as botocore does).

No LocalStack import here, so this module is tested on its own.
"""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
_UNRESERVED = "-_.~"


class Malformed(Exception):
    """The request names SigV4 but its Authorization header or query parameters are incomplete."""


@dataclass(frozen=True)
class Signed:
    """What a SigV4-signed request claims: who signed it, for what scope, and the signature."""

    form: str  # "header" (Authorization header) or "query" (presigned URL)
    access_key: str
    scope_date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    token: str | None
    expires_s: int | None  # presigned URLs only


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The decoded (name, value) pairs of a raw query string, in order."""
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def parse(headers, pairs: list[tuple[str, str]]) -> Signed | None:
    """The request's SigV4 claims (a presigned query first, else the Authorization header), or None
    when it carries no SigV4 signature."""
    query = dict(pairs)
    if "X-Amz-Signature" in query:
        if query.get("X-Amz-Algorithm") != ALGORITHM:
            raise Malformed("X-Amz-Algorithm must be " + ALGORITHM)
        try:
            credential, signed, signature = (query["X-Amz-Credential"], query["X-Amz-SignedHeaders"],
                                             query["X-Amz-Signature"])
            amz_date, expires = query["X-Amz-Date"], int(query["X-Amz-Expires"])
        except (KeyError, ValueError) as exc:
            raise Malformed(f"presigned URL lacks a valid {exc}") from None
        token = query.get("X-Amz-Security-Token")
        form = "query"
    else:
        auth = headers.get("Authorization") or ""
        if not auth.startswith(ALGORITHM + " "):
            return None
        fields = {}
        for item in auth[len(ALGORITHM):].split(","):
            key, _, value = item.strip().partition("=")
            fields[key] = value
        try:
            credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
        except KeyError as missing:
            raise Malformed(f"Authorization header lacks {missing.args[0]}") from None
        amz_date = headers.get("X-Amz-Date") or ""
        token = headers.get("X-Amz-Security-Token")
        form, expires = "header", None
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not amz_date:
        raise Malformed("credential scope must be KEY/DATE/REGION/SERVICE/aws4_request with an X-Amz-Date")
    return Signed(form, parts[0], parts[1], parts[2], parts[3], tuple(signed.lower().split(";")),
                  signature.lower(), amz_date, token, expires)


class _ExactHeaders:
    """Sign exactly the headers the client listed (botocore would pick its own set)."""

    def headers_to_sign(self, request):
        chosen = HTTPHeaders()
        for name, value in request.headers.items():
            chosen[name.lower()] = value  # HTTPHeaders appends: repeated headers are kept
        return chosen


_SIGNERS = {
    (service_is_s3, presigned): type("Verifier", (_ExactHeaders, base), {})
    for (service_is_s3, presigned), base in {
        (False, False): SigV4Auth, (True, False): S3SigV4Auth,
        (False, True): SigV4QueryAuth, (True, True): S3SigV4QueryAuth,
    }.items()
}


def canonical_query(pairs: list[tuple[str, str]], drop: str | None = None) -> str:
    """URI-encode each name and value and sort them (SigV4's canonical query string)."""
    encoded = sorted((quote(k, safe=_UNRESERVED), quote(v, safe=_UNRESERVED)) for k, v in pairs if k != drop)
    return "&".join(f"{k}={v}" for k, v in encoded)


def expected_signature(signed: Signed, secret: str, method: str, raw_path: str,
                       pairs: list[tuple[str, str]], headers, body: bytes) -> str | None:
    """The signature the client should have sent; None when a signed header is missing."""
    chosen = HTTPHeaders()
    for name in signed.signed_headers:
        values = headers.getlist(name) if hasattr(headers, "getlist") else headers.get_all(name)
        if not values:
            return None
        # dict.fromkeys: LocalStack's S3 presign handler adds a second, identical Host header.
        for value in dict.fromkeys(values):
            chosen[name] = value
    query = canonical_query(pairs, drop="X-Amz-Signature" if signed.form == "query" else None)
    host = headers.get("Host") or "localhost"
    request = AWSRequest(method=method, url=f"http://{host}{raw_path}" + (f"?{query}" if query else ""),
                         headers=chosen, data=body)
    request.context["timestamp"] = signed.amz_date
    signer = _SIGNERS[(signed.service == "s3", signed.form == "query")](
        Credentials(signed.access_key, secret, signed.token), signed.service, signed.region)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def matches(expected: str | None, provided: str) -> bool:
    return expected is not None and hmac.compare_digest(expected, provided)


# AWS accepts a header-signed request within 15 minutes of its X-Amz-Date either way (AWS API
# references, "Common Errors", RequestExpired: "more than 15 minutes after the date stamp on the
# request ... or the date stamp on the request is more than 15 minutes in the future"); S3 allows
# the same (MaxAllowedSkewMilliseconds 900000 in its RequestTimeTooSkewed answers).
MAX_SKEW = datetime.timedelta(minutes=15)
_STAMP = "%Y%m%dT%H%M%SZ"


def skew(signed: Signed, now: datetime.datetime | None = None) -> str | None:
    """For a header-signed request outside the window: "past" or "future"; else None. Presigned URLs
    keep their own X-Amz-Expires window (presign_expired)."""
    if signed.form != "header":
        return None
    issued = signed_time(signed)
    now = now or datetime.datetime.now(datetime.UTC)
    if issued is None or issued < now - MAX_SKEW:
        return "past"
    return "future" if issued > now + MAX_SKEW else None


def skew_message(signed: Signed, now: datetime.datetime | None = None) -> str:
    """AWS's text for a request outside the window, e.g. "Signature expired: 20200101T000000Z is now
    earlier than 20261202T134500Z (20261202T140000Z - 15 min.)" (as STS, SNS and DynamoDB answer:
    aws-cli #6676, aws-sdk-js #265 and #254)."""
    now = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    if skew(signed, now) == "future":
        return (f"Signature not yet current: {signed.amz_date} is still later than "
                f"{(now + MAX_SKEW).strftime(_STAMP)} ({now.strftime(_STAMP)} + 15 min.)")
    return (f"Signature expired: {signed.amz_date} is now earlier than "
            f"{(now - MAX_SKEW).strftime(_STAMP)} ({now.strftime(_STAMP)} - 15 min.)")


def signed_time(signed: Signed) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(signed.amz_date, _STAMP).replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def presign_expired(signed: Signed, now: datetime.datetime | None = None) -> bool:
    """Whether a presigned URL's X-Amz-Date + X-Amz-Expires lies in the past."""
    if signed.form != "query" or signed.expires_s is None:
        return False
    issued = signed_time(signed)
    if issued is None:
        return True
    now = now or datetime.datetime.now(datetime.UTC)
    return now > issued + datetime.timedelta(seconds=signed.expires_s)
