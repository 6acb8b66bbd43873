"""CloudFront signed URLs and signed cookies: signing (grader, tests, benchmarks) and verification
(the emulator's CloudFront edge). Pure Python on cryptography and botocore; no LocalStack imports.

Formats follow the Amazon CloudFront Developer Guide:
- "Create a signed URL using a canned policy": the policy statement is
  {"Statement":[{"Resource":"<URL>","Condition":{"DateLessThan":{"AWS:EpochTime":<N>}}}]} without
  white space; the signature is RSA-SHA1 (PKCS#1 v1.5) over it; the URL carries Expires, Signature
  and Key-Pair-Id.
- "Create a signed URL using a custom policy": Policy, Signature, Key-Pair-Id; the statement's
  Resource may use * (any characters) and ? (one character) and may be left out (for signed URLs
  only); DateLessThan is required, DateGreaterThan and IpAddress (AWS:SourceIp, CIDR) are optional.
- "Set signed cookies using a canned policy" / "... a custom policy": the same values in the cookies
  CloudFront-Expires or CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id.
- Base64 for URLs: standard base64 with '+' -> '-', '=' -> '_', '/' -> '~'.

The 403 answers (code and message) are CloudFront's own, as listed in the AWS re:Post Knowledge
Center article "How do I troubleshoot issues related to a signed URL or signed cookies in
CloudFront?" (MissingKey "Missing Key-Pair-Id query parameter or cookie value", InvalidKey
"Unknown Key") and as CloudFront answers them in public bug reports (aws/aws-sdk-js#2236:
MalformedPolicy "Malformed Policy"; commitdev/zero#287: InvalidKey "Unknown Key"); an expired,
not-yet-valid, IP-mismatched or wrongly signed request gets AccessDenied "Access denied" (the
CloudFront API reference's AccessDenied text); a signature that is not CloudFront base64 gets
MalformedSignature "Could not unencode Signature".
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable, Iterable

from botocore.signers import CloudFrontSigner
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Query parameters (and cookie names) that carry a signature; CloudFront strips them before it
# builds the canned policy's Resource and before it forwards the request to the origin.
SIGNING_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id")
COOKIE_PREFIX = "CloudFront-"

_TO_CF = bytes.maketrans(b"+=/", b"-_~")
_FROM_CF = bytes.maketrans(b"-_~", b"+=/")


def cf_b64encode(data: bytes) -> str:
    return base64.b64encode(data).translate(_TO_CF).decode("ascii")


def cf_b64decode(text: str) -> bytes:
    """Raises ValueError for anything that is not CloudFront base64."""
    try:
        raw = text.encode("ascii").translate(_FROM_CF)
        return base64.b64decode(raw, validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(str(exc)) from None


# ---- signing ------------------------------------------------------------------------------

def load_private_key(pem: bytes | str) -> rsa.RSAPrivateKey:
    """PKCS#1 ("BEGIN RSA PRIVATE KEY", openssl genrsa -traditional) or PKCS#8 ("BEGIN PRIVATE KEY",
    the default of OpenSSL 3). Raises ValueError for anything else."""
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def public_pem(private_key: rsa.RSAPrivateKey) -> str:
    """The public half as `openssl rsa -pubout` writes it (SubjectPublicKeyInfo PEM)."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def signer(key_pair_id: str, private_key: rsa.RSAPrivateKey) -> CloudFrontSigner:
    """botocore's CloudFrontSigner (what `aws cloudfront sign` uses) with an RSA-SHA1 signer."""
    return CloudFrontSigner(
        key_pair_id, lambda message: private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())
    )


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def canned_url(url: str, key_pair_id: str, private_key: rsa.RSAPrivateKey, expires: int) -> str:
    return signer(key_pair_id, private_key).generate_presigned_url(url, date_less_than=_utc(expires))


def custom_policy(resource: str | None, expires: int, starts: int | None = None,
                  source_ip: str | None = None) -> str:
    """A custom policy statement (compact JSON); resource None leaves Resource out."""
    condition: dict = {"DateLessThan": {"AWS:EpochTime": int(expires)}}
    if starts is not None:
        condition["DateGreaterThan"] = {"AWS:EpochTime": int(starts)}
    if source_ip:
        condition["IpAddress"] = {"AWS:SourceIp": source_ip if "/" in source_ip else source_ip + "/32"}
    statement: dict = {} if resource is None else {"Resource": resource}
    statement["Condition"] = condition
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


def custom_url(url: str, key_pair_id: str, private_key: rsa.RSAPrivateKey, policy: str) -> str:
    return signer(key_pair_id, private_key).generate_presigned_url(url, policy=policy)


def signed_cookies(key_pair_id: str, private_key: rsa.RSAPrivateKey, *, resource: str | None = None,
                   expires: int | None = None, policy: str | None = None) -> dict[str, str]:
    """The three cookies of a canned policy (resource + expires) or a custom policy (policy)."""
    if (policy is None) == (expires is None):
        raise ValueError("give either expires (canned policy) or policy (custom policy)")
    signed_text = policy if policy is not None else canned_policy(resource, expires)
    signature = private_key.sign(signed_text.encode(), padding.PKCS1v15(), hashes.SHA1())
    cookies = {"CloudFront-Signature": cf_b64encode(signature), "CloudFront-Key-Pair-Id": key_pair_id}
    if policy is not None:
        cookies["CloudFront-Policy"] = cf_b64encode(policy.encode())
    else:
        cookies["CloudFront-Expires"] = str(int(expires))
    return cookies


def canned_policy(resource: str, expires: int) -> str:
    # The exact text CloudFront rebuilds from the request (key order and no white space matter).
    return ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
            % (resource, int(expires)))


# ---- verification -------------------------------------------------------------------------

class Refused(Exception):
    """CloudFront refuses the viewer request: 403 with this error code and message."""

    def __init__(self, code: str, message: str, reason: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reason = reason  # what exactly was wrong, for the event journal and awslab's own texts


def _missing_key() -> Refused:
    return Refused("MissingKey", "Missing Key-Pair-Id query parameter or cookie value", "no key pair id")


def _denied(reason: str) -> Refused:
    return Refused("AccessDenied", "Access denied", reason)


def _malformed_policy(reason: str) -> Refused:
    return Refused("MalformedPolicy", "Malformed Policy", reason)


@dataclass
class Credentials:
    key_pair_id: str
    signature: str
    expires: str | None
    policy: str | None
    source: str  # "url" or "cookie"


def split_query(raw_query: str) -> tuple[str, dict[str, str]]:
    """(the query without the signing parameters, the signing parameters). The remaining query keeps
    its original order and encoding: the canned policy's Resource is compared byte for byte."""
    kept, signing = [], {}
    for part in raw_query.split("&") if raw_query else ():
        name, _, value = part.partition("=")
        if name in SIGNING_PARAMS:
            signing[name] = value
        elif part:
            kept.append(part)
    return "&".join(kept), signing


def credentials(signing_params: dict[str, str], cookies: dict[str, str]) -> Credentials | None:
    """The signature of the request: URL parameters first, then the CloudFront-* cookies."""
    if signing_params:
        source, values = "url", signing_params
    else:
        source = "cookie"
        values = {name: cookies[COOKIE_PREFIX + name] for name in SIGNING_PARAMS if COOKIE_PREFIX + name in cookies}
        if not values:
            return None
    return Credentials(
        key_pair_id=values.get("Key-Pair-Id", ""),
        signature=values.get("Signature", ""),
        expires=values.get("Expires"),
        policy=values.get("Policy"),
        source=source,
    )


@lru_cache(maxsize=256)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


@dataclass(frozen=True)
class Statement:
    resource: str | None
    date_less_than: int
    date_greater_than: int | None
    source_ip: ipaddress.IPv4Network | ipaddress.IPv6Network | None


def _epoch(condition: dict, name: str) -> int | None:
    if name not in condition:
        return None
    value = condition[name]
    if not isinstance(value, dict) or set(value) != {"AWS:EpochTime"}:
        raise _malformed_policy(f"{name} must be {{\"AWS:EpochTime\": <seconds>}}")
    epoch = value["AWS:EpochTime"]
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise _malformed_policy(f"{name} AWS:EpochTime must be a whole number of seconds")
    return epoch


@lru_cache(maxsize=1024)
def parse_policy(policy_text: str) -> Statement:
    """The single statement of a custom policy (CloudFront allows exactly one)."""
    try:
        document = json.loads(policy_text)
    except ValueError:
        raise _malformed_policy("the policy is not JSON") from None
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list) or len(statements) != 1 or not isinstance(statements[0], dict):
        raise _malformed_policy("the policy needs exactly one statement")
    statement = statements[0]
    resource = statement.get("Resource")
    if resource is not None and not isinstance(resource, str):
        raise _malformed_policy("Resource must be a string")
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        raise _malformed_policy("the statement has no Condition")
    unknown = set(condition) - {"DateLessThan", "DateGreaterThan", "IpAddress"}
    if unknown:
        raise _malformed_policy(f"unknown condition {sorted(unknown)[0]}")
    less_than = _epoch(condition, "DateLessThan")
    if less_than is None:
        raise _malformed_policy("DateLessThan is required")
    source_ip = None
    if "IpAddress" in condition:
        ip = condition["IpAddress"]
        if not isinstance(ip, dict) or not isinstance(ip.get("AWS:SourceIp"), str):
            raise _malformed_policy("IpAddress must be {\"AWS:SourceIp\": \"<CIDR>\"}")
        try:
            source_ip = ipaddress.ip_network(ip["AWS:SourceIp"], strict=False)
        except ValueError:
            raise _malformed_policy(f"AWS:SourceIp {ip['AWS:SourceIp']!r} is not an IP range") from None
    return Statement(resource, less_than, _epoch(condition, "DateGreaterThan"), source_ip)


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern:
    # CloudFront policy wildcards: * is zero or more characters, ? exactly one; nothing else is special.
    return re.compile("".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    ), re.DOTALL)


def resource_matches(pattern: str, url: str) -> bool:
    return bool(_wildcard(pattern).fullmatch(url))


def verify(creds: Credentials | None, urls: Iterable[str], client_ip: str, now: float,
           public_key_pem: Callable[[str], str | None]) -> str:
    """Check a viewer request's signature the way CloudFront does; returns the key pair id used or
    raises Refused. `urls` are the request's URL forms (without the signing parameters) that a
    Resource may name; `public_key_pem(key_pair_id)` is the trusted key's PEM, or None."""
    if creds is None or not creds.key_pair_id:
        raise _missing_key()
    pem = public_key_pem(creds.key_pair_id)
    if pem is None:
        raise Refused("InvalidKey", "Unknown Key", f"key {creds.key_pair_id} is not in a trusted key group")
    try:
        signature = cf_b64decode(creds.signature)
    except ValueError:
        raise Refused("MalformedSignature", "Could not unencode Signature", "signature is not CloudFront base64") from None
    if not signature:
        raise Refused("MalformedSignature", "Could not unencode Signature", "no signature")
    urls = list(urls)

    if creds.policy is not None:
        try:
            policy_text = cf_b64decode(creds.policy).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise _malformed_policy("the policy is not CloudFront base64") from None
        statement = parse_policy(policy_text)
        signed = [policy_text]
    elif creds.expires is not None:
        if not re.fullmatch(r"\d{1,12}", creds.expires):
            raise _malformed_policy(f"Expires {creds.expires!r} is not a number")
        statement = Statement(None, int(creds.expires), None, None)
        # The canned policy names the URL exactly as requested; which scheme was signed is not sent.
        signed = [canned_policy(url, statement.date_less_than) for url in urls]
    else:
        raise _malformed_policy("neither Expires nor Policy")

    key = load_public_key(pem)
    if not any(_signature_ok(key, signature, text) for text in signed):
        raise _denied("the signature does not match the policy and the public key")
    if statement.resource is not None and not any(resource_matches(statement.resource, u) for u in urls):
        raise _denied(f"the policy's Resource {statement.resource} does not match the URL")
    if now > statement.date_less_than:
        raise _denied(f"expired at {statement.date_less_than} (now {int(now)})")
    if statement.date_greater_than is not None and now <= statement.date_greater_than:
        raise _denied(f"not valid before {statement.date_greater_than} (now {int(now)})")
    if statement.source_ip is not None and not _ip_in(client_ip, statement.source_ip):
        raise _denied(f"viewer IP {client_ip} is outside {statement.source_ip}")
    return creds.key_pair_id


def _signature_ok(key: rsa.RSAPublicKey, signature: bytes, text: str) -> bool:
    try:
        key.verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA1())
        return True
    except InvalidSignature:
        return False


def _ip_in(client_ip: str, network) -> bool:
    try:
        return ipaddress.ip_address(client_ip) in network
    except ValueError:
        return False
