"""Signing in to AWS with a SAML response, from outside the emulator (CLI, grader, bench, tests).

The AWS sign-in page receives the IdP's SAMLResponse, offers the roles of its Role attribute and
calls AssumeRoleWithSAML, which needs no AWS credentials (STS API Reference, AssumeRoleWithSAML).
"""

from __future__ import annotations

import base64
import hashlib

from . import accounts


def sign_in(acct: accounts.Account, saml_response: str, role_arn: str, provider_arn: str,
            duration: int | None = None) -> dict:
    """AssumeRoleWithSAML as the sign-in page calls it: an unsigned request with the assertion.
    Raises botocore's ClientError with AWS's code and message when STS refuses."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = boto3.client("sts", endpoint_url=acct.endpoint, region_name=acct.region,
                       config=Config(signature_version=UNSIGNED, **accounts.CLIENT_CONFIG))
    params = {"RoleArn": role_arn, "PrincipalArn": provider_arn, "SAMLAssertion": saml_response}
    if duration:
        params["DurationSeconds"] = duration
    return sts.assume_role_with_saml(**params)


def caller_arn(acct: accounts.Account, credentials: dict) -> str:
    """GetCallerIdentity with temporary credentials: who AWS thinks the caller is."""
    import boto3
    from botocore.config import Config

    sts = boto3.client("sts", endpoint_url=acct.endpoint, region_name=acct.region,
                       aws_access_key_id=credentials["AccessKeyId"],
                       aws_secret_access_key=credentials["SecretAccessKey"],
                       aws_session_token=credentials["SessionToken"],
                       config=Config(**accounts.CLIENT_CONFIG))
    return sts.get_caller_identity()["Arn"]


def console_display(assumed_role_arn: str) -> str:
    """What the console shows at the top right for an assumed role: role/session@account."""
    account_id = assumed_role_arn.split(":")[4]
    _kind, role, session = assumed_role_arn.split(":", 5)[5].split("/", 2)
    return f"{role}/{session}@{account_id}"


def fingerprint(cert_b64: str) -> str:
    """SHA-256 fingerprint of a certificate (base64 DER), as IdP consoles and openssl show it."""
    digest = hashlib.sha256(base64.b64decode(cert_b64)).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def web_login_url(endpoint: str, account_id: str, secret: str | None = None) -> str:
    """The IdP's web login page. LocalStack's CSRF guard (its CORS enforcer) admits form posts only
    from the origins http(s)://localhost:<gateway port>, so the page is opened through localhost.
    With the account's secret (classroom mode), the URL carries the account's login key: a browser
    cannot sign its requests, and the classroom emulator opens an IdP's page only with its key."""
    url = f"{endpoint.replace('://127.0.0.1:', '://localhost:')}/_awslab/idp/{account_id}/login"
    return f"{url}?key={login_key(account_id, secret)}" if secret else url


def login_key(account_id: str, secret: str) -> str:
    """The per-learner key of the IdP's web login page: derived from the account's secret (so only
    that learner, or the instructor, can compute it) and useless for anything else."""
    import hmac

    return hmac.new(secret.encode(), f"awslab-idp-login:{account_id}".encode(), hashlib.sha256).hexdigest()[:32]
