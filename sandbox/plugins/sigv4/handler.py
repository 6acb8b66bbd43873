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

Sources of the texts: "Common Errors" of the AWS API references (InvalidClientTokenId,
MissingAuthenticationToken, RequestExpired; e.g. https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html);
"Error responses" of the Amazon S3 API Reference (InvalidAccessKeyId, SignatureDoesNotMatch,
AccessDenied; https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), with the wording
S3 sends on the wire; "Troubleshoot signed AWS API requests" of the IAM User Guide for the
SignatureDoesNotMatch text of other services
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html); S3's
"Authenticating Requests (AWS Signature Version 4)" for the SigV2 refusal text.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
from urllib.parse import unquote

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response
from rolo.request import get_raw_path

from sandbox import config
from sandbox.plugins.http import error_response

from . import verify
from .keyring import Keyring

LOG = logging.getLogger(__name__)

# /_awslab/... and /_aws/... routes name an account by a 12-digit path segment, or in their query
# (LocalStack's /_aws/sqs/messages?QueueUrl=...).
_ROUTE_PREFIXES = ("/_awslab/", "/_aws/")
_ACCOUNT_SEGMENT = re.compile(r"(?:^|/)(\d{12})(?:/|$)")

# LocalStack's MissingAuthHeaderInjector puts this fake credential on requests that came unsigned.
_INJECTED = "Credential=injectedaccesskey/"

_S3 = {
    "unknown": ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."),
    "mismatch": ("SignatureDoesNotMatch",
                 "The request signature we calculated does not match the signature you provided. "
                 "Check your key and signing method."),
    "anonymous": ("AccessDenied", "Access Denied"),
    "presign-expired": ("AccessDenied", "Request has expired"),
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
}
_STATUS = {"malformed": 400, "sigv2": 400}


def refuse(service: str, case: str, detail: str = "") -> CommonServiceException:
    code, message = (_S3 if service == "s3" else _OTHER).get(case) or _COMMON[case]
    LOG.info("awslab sigv4: %s refused (%s) %s", service, code, detail)
    return CommonServiceException(code, message, status_code=_STATUS.get(case, 403), sender_fault=True)


class SignatureCheck:
    def __init__(self):
        self.keyring = Keyring(config.home() / "classroom.db")

    def __call__(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        if context.is_internal_call or context.service is None:
            return
        self.authenticate(context.request, context.service.service_name)

    def authenticate(self, request, service: str):
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
        body = b"" if service == "s3" else request.get_data()
        expected = verify.expected_signature(signed, identity.secret, request.method, get_raw_path(request),
                                             pairs, headers, body)
        if not verify.matches(expected, signed.signature):
            raise refuse(service, "mismatch", signed.access_key)
        if verify.presign_expired(signed):
            raise refuse(service, "presign-expired", signed.access_key)
        return identity

    def guard_account_routes(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        """awslab's and LocalStack's own routes that name an account (reset, journal, the SQS
        developer endpoint the grader peeks through ...) answer only a caller signed by that account,
        else a learner could reset or read another learner's account without any AWS API call."""
        path = context.request.path
        if not path.startswith(_ROUTE_PREFIXES):
            return
        named = _ACCOUNT_SEGMENT.search(path) or _ACCOUNT_SEGMENT.search(
            unquote(context.request.environ.get("QUERY_STRING", "")).replace("?", "/").replace("=", "/"))
        if not named:
            return
        try:
            identity = self.authenticate(context.request, "awslab")
            if identity.account_id != named.group(1):
                raise refuse("awslab", "other-account", f"{identity.account_id} -> {path}")
        except CommonServiceException as exc:
            response.update_from(error_response(exc.code, exc.message, exc.status_code))
            chain.stop()

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
