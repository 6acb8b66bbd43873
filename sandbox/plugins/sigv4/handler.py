"""The request-chain handler of the sigv4 plugin.

Runs on `serve_custom_service_request_handlers`, after LocalStack has found the service and parsed
the request and before any provider acts. LocalStack's own calls between services
(`context.is_internal_call`) are not checked. Errors, as AWS answers them:

| case | S3 (rest-xml) | every other service |
|---|---|---|
| access key unknown or inactive | InvalidAccessKeyId | InvalidClientTokenId |
| temporary key with a missing or other session token | InvalidToken | InvalidClientTokenId |
| signature recomputed with the registered secret differs | SignatureDoesNotMatch | SignatureDoesNotMatch |
| no signature at all | AccessDenied "Access Denied" | MissingAuthenticationToken |
| presigned URL past X-Amz-Expires | AccessDenied "Request has expired" | RequestExpired |
| temporary credentials past their expiry | ExpiredToken | ExpiredToken |
| Signature Version 2 | InvalidRequest | InvalidRequest |
| header-signed more than 15 min before/after now | RequestTimeTooSkewed | SignatureDoesNotMatch (JSON protocols: InvalidSignatureException 400) "Signature expired: ..." / "Signature not yet current: ..." |

Sources of the texts: "Common Errors" of the AWS API references (InvalidClientTokenId,
MissingAuthenticationToken, RequestExpired; e.g. https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html);
"Error responses" of the Amazon S3 API Reference (InvalidAccessKeyId, SignatureDoesNotMatch,
AccessDenied; https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), with the wording
S3 sends on the wire; "Troubleshoot signed AWS API requests" of the IAM User Guide for the
SignatureDoesNotMatch text of other services
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html); S3's
"Authenticating Requests (AWS Signature Version 4)" for the SigV2 refusal text. The time-skew texts
are the wire texts quoted in aws-cli #6676 (STS), aws-sdk-js #265 (SNS) and #254 (DynamoDB, JSON)
and S3's "Error responses" entry for RequestTimeTooSkewed.
"""

from __future__ import annotations

import datetime
import hmac
import io
import logging
import re
import time

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from rolo.request import get_raw_path

from sandbox import config
from sandbox.federation import login_key
from sandbox.plugins.http import error_response

from . import routes, verify
from .keyring import Keyring

LOG = logging.getLogger(__name__)

# LocalStack's MissingAuthHeaderInjector puts this fake credential on requests that came unsigned.
_INJECTED = "Credential=injectedaccesskey/"

_S3 = {
    "unknown": ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    "mismatch": ("SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method."),
    "anonymous": ("AccessDenied", "Access Denied"),
    "presign-expired": ("AccessDenied", "Request has expired"),
    "skew": ("RequestTimeTooSkewed", "The difference between the request time and the current time is too large."),
    "bad-token": ("InvalidToken", "The provided token is malformed or otherwise invalid."),
}
_OTHER = {
    "unknown": ("InvalidClientTokenId",
                "The X.509 certificate or AWS access key ID provided does not exist in our records."),
    "mismatch": ("SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
    "anonymous": ("MissingAuthenticationToken",
                  "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."),
    "presign-expired": ("RequestExpired",
                        "The request reached the service more than 15 minutes after the date stamp on the request "
                        "or more than 15 minutes after the request expiration date (such as for pre-signed URLs), "
                        "or the date stamp on the request is more than 15 minutes in the future."),
}
_COMMON = {
    "bad-token": ("InvalidClientTokenId", "The security token included in the request is invalid."),
    "expired-token": ("ExpiredToken", "The security token included in the request is expired"),
    "sigv2": ("InvalidRequest",
              "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."),
    "malformed": ("IncompleteSignature", "The request signature does not conform to AWS standards."),
    "other-account": ("AccessDenied", "This route belongs to another account than the one that signed the request."),
    "instructor-only": ("AccessDenied", "This route is for the instructor only (Authorization: Bearer <instructor token>)."),
    "encoded-body": ("InvalidRequest",
                     "A compressed or chunked body (Content-Encoding, Transfer-Encoding) is not accepted on this route."),
    "body-too-large": ("RequestEntityTooLarge", f"The body of this route is limited to {routes.MAX_BODY} bytes."),
}
# The STS operation AWS serves without credentials that awslab verifies itself: "Calling
# AssumeRoleWithSAML does not require the use of AWS security credentials" (STS API Reference); the
# signed assertion is the credential (saml_federation plugin). AssumeRoleWithWebIdentity is unsigned
# on AWS too, but moto checks no token: it stays signed here rather than open a door to any role.
UNSIGNED_OPERATIONS = {("sts", "AssumeRoleWithSAML")}
_STATUS = {"malformed": 400, "sigv2": 400, "encoded-body": 400, "body-too-large": 413}
# Services of the JSON protocols answer a skewed signature as InvalidSignatureException, 400.
_JSON_PROTOCOLS = ("json", "rest-json")


def refuse(service: str, case: str, detail: str = "") -> CommonServiceException:
    code, text = (_S3 if service == "s3" else _OTHER).get(case) or _COMMON[case]
    return _refusal(service, code, text, _STATUS.get(case, 403), detail)


def _refusal(service: str, code: str, message: str, status: int, detail: str) -> CommonServiceException:
    LOG.info("awslab sigv4: %s refused (%s) %s", service, code, detail)
    return CommonServiceException(code, message, status_code=status, sender_fault=True)


def refuse_skew(service: str, protocol: str | None, signed: verify.Signed) -> CommonServiceException:
    if service == "s3":
        return refuse("s3", "skew", signed.amz_date)
    if protocol in _JSON_PROTOCOLS:
        return _refusal(service, "InvalidSignatureException", verify.skew_message(signed), 400, signed.amz_date)
    return _refusal(service, "SignatureDoesNotMatch", verify.skew_message(signed), 403, signed.amz_date)


class SignatureCheck:
    def __init__(self):
        self.keyring = Keyring(config.home() / "classroom.db")

    def __call__(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        if context.is_internal_call or context.service is None:
            return
        if (context.service.service_name, getattr(context.operation, "name", None)) in UNSIGNED_OPERATIONS:
            return
        self.authenticate(context.request, context.service.service_name, context.service.protocol)
        _replay_streamed_payload(context)

    def authenticate(self, request, service: str, protocol: str | None = None):
        """The identity whose registered secret signed `request`; raises AWS's error otherwise."""
        pairs = verify.query_pairs(request.environ.get("QUERY_STRING", ""))
        query = dict(pairs)
        auth = request.headers.get("Authorization") or ""
        if service == "s3" and "AWSAccessKeyId" in query and "Signature" in query:
            return self._check_s3_sigv2_query(request, query)
        # Without a presigned query, an Authorization header that LocalStack injected means unsigned.
        headers = _without_authorization(request.headers) if _INJECTED in auth else request.headers
        try:
            signed = verify.parse(headers, pairs)
        except verify.Malformed as exc:
            raise refuse(service, "malformed", str(exc)) from None
        if signed is None:
            raise refuse(service, "sigv2" if auth.startswith("AWS ") else "anonymous")

        identity = self._identity(service, signed.access_key, signed.token)
        # S3 bodies are never read here: S3 streams them, and its signature covers the
        # x-amz-content-sha256 header instead of the bytes.
        body = b"" if service == "s3" else request.get_data(cache=True)
        expected = verify.expected_signature(signed, identity.secret, request.method, get_raw_path(request),
                                             pairs, headers, body)
        if not verify.matches(expected, signed.signature):
            raise refuse(service, "mismatch", signed.access_key)
        if verify.presign_expired(signed):
            raise refuse(service, "presign-expired", signed.access_key)
        # After the signature: a replayed request is genuine, only too old (or from the future).
        if verify.skew(signed):
            raise refuse_skew(service, protocol, signed)
        return identity

    def guard_routes(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        """LocalStack's and awslab's own routes (routes.py has the rule): without this a learner could
        stop the emulator, reset or read another learner's account without any AWS API call."""
        request = context.request
        path = re.sub("/{2,}", "/", request.path)  # werkzeug's router merges slashes too
        if not path.startswith(routes.PREFIXES):
            return
        kind = routes.rule(request.method, path)
        if kind == routes.PUBLIC:
            return
        try:
            self._admit(request, path, kind)
        except CommonServiceException as exc:
            response.update_from(error_response(exc.code, exc.message, exc.status_code))
            chain.stop()

    def _admit(self, request, path: str, kind: str) -> None:
        """Returns when the caller may use the route; raises the refusal otherwise."""
        token = self.keyring.instructor_token()
        auth = request.headers.get("Authorization") or ""
        if token and auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
            return
        if kind == routes.INSTRUCTOR:
            raise refuse("awslab", "instructor-only", path)
        body = self._route_body(request)  # bounded before the signature check reads it
        if kind == routes.IDP_LOGIN:
            account = routes.ACCOUNT_ID.search(path).group(1)
            identity = self.keyring.lookup(account)
            key = request.args.get("key", "")
            if identity and key and hmac.compare_digest(key.encode(), login_key(account, identity.secret).encode()):
                return
            named = {account}
        elif kind == routes.KEY_OWNER:
            owner = self.keyring.lookup(routes.identity_key(path) or "")
            if owner is None:
                raise refuse("awslab", "instructor-only", path)
            named = {owner.account_id}
        elif path.startswith("/_aws/"):
            named = routes.named_accounts(path, request.environ.get("QUERY_STRING", ""), body)
        else:
            named = routes.path_accounts(path)
        if not named:
            raise refuse("awslab", "instructor-only", path)
        identity = self.authenticate(request, "awslab")
        if named != {identity.account_id}:
            raise refuse("awslab", "other-account", f"{identity.account_id} -> {sorted(named)}")

    @staticmethod
    def _route_body(request) -> bytes:
        """The body of a route request (a developer endpoint's may name its target: QueueUrl). Read
        before LocalStack does, bounded, and cached for it; a compressed or chunked body is refused,
        since LocalStack would decompress it after this check, and a chunked one has no length."""
        if (request.headers.get("Content-Encoding") or "identity").lower() != "identity" or \
                request.headers.get("Transfer-Encoding"):
            raise refuse("awslab", "encoded-body", request.path)
        if (request.content_length or 0) > routes.MAX_BODY:
            raise refuse("awslab", "body-too-large", str(request.content_length))
        return request.get_data(cache=True)

    def _identity(self, service: str, access_key: str, token: str | None):
        identity = self.keyring.lookup(access_key)
        if identity is None:
            raise refuse(service, "unknown", access_key)
        if identity.token is not None and identity.token != token:
            raise refuse(service, "bad-token", access_key)
        if identity.expiration is not None and identity.expiration < datetime.datetime.now(datetime.UTC):
            raise refuse(service, "expired-token", access_key)
        return identity

    def _check_s3_sigv2_query(self, request, query: dict):
        """S3 presigned URLs in Signature Version 2 (what boto3's generate_presigned_url makes unless
        the client is configured for s3v4): HMAC-SHA1 over LocalStack's own reconstruction of the
        string to sign (Amazon S3 Developer Guide, "Query string request authentication alternative")."""
        from botocore.credentials import Credentials
        from localstack.services.s3.presigned_url import (
            HmacV1QueryAuthValidation,
            _reverse_inject_signature_hmac_v1_query,
        )

        identity = self._identity("s3", query["AWSAccessKeyId"], query.get("x-amz-security-token"))
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            raise refuse("s3", "malformed", "Expires") from None
        signer = HmacV1QueryAuthValidation(
            credentials=Credentials(query["AWSAccessKeyId"], identity.secret, identity.token), expires=expires)
        split_url, headers = _reverse_inject_signature_hmac_v1_query(request)
        expected, _ = signer.get_signature(request.method, split_url, headers, auth_path=None)
        if not verify.matches(expected, query["Signature"].replace(" ", "+")):
            raise refuse("s3", "mismatch", query["AWSAccessKeyId"])
        if expires < time.time():
            raise refuse("s3", "presign-expired", query["AWSAccessKeyId"])
        return identity


def _replay_streamed_payload(context: RequestContext) -> None:
    """LocalStack's parser (which runs before this check) hands a blob payload such as Lambda Invoke's
    Payload to the provider as the request's live stream; reading the body for the signature drained
    it, so the function got an empty event. Give the provider the bytes that were read instead."""
    if context.service.service_name == "s3" or not isinstance(context.service_request, dict):
        return
    for name, value in list(context.service_request.items()):
        if hasattr(value, "read"):
            context.service_request[name] = io.BytesIO(context.request.get_data(cache=True))


def keep_form_body(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    """Keep the bytes of form-encoded bodies (query-protocol services: IAM, STS, EC2, SNS ...).

    LocalStack's parser reads them through werkzeug's form parser, which consumes the stream; the
    signature covers the exact bytes, so they are cached first (werkzeug then parses the cache).
    Runs before the service is known; S3 never sends this content type for its streamed bodies."""
    if context.request.mimetype == "application/x-www-form-urlencoded":
        context.request.get_data(cache=True, parse_form_data=False)


def _without_authorization(headers):
    copy = headers.copy()
    copy.pop("Authorization", None)
    return copy
