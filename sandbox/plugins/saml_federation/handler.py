"""The request-chain handler behind the saml_federation plugin.

AssumeRoleWithSAML is answered here, after the checks AWS makes, in this order:

| check | AWS answer (code, HTTP status, message) |
|---|---|
| the PrincipalArn names a SAML provider of its account | InvalidIdentityToken 400 "Specified provider doesn't exist." |
| SAMLAssertion is a base64 samlp:Response with one saml:Assertion | InvalidIdentityToken 400 "Invalid SAML response: ..." |
| a certificate of the provider's metadata verifies the signature | InvalidIdentityToken 400 "Response signature invalid" |
| the signed Issuer is the metadata's entityID | InvalidIdentityToken 400 "Issuer not present in specified provider" |
| one bearer SubjectConfirmation, Recipient = the AWS sign-in endpoint | InvalidIdentityToken 400 "Invalid SAML response: ..." |
| NotBefore / NotOnOrAfter around now | ExpiredTokenException 400 "Token must be redeemed within 5 minutes of issuance" |
| an Audience of AWS (https://signin.aws.amazon.com/saml or urn:amazon:webservices) | InvalidIdentityToken 400 "Response does not contain the required audience." |
| a RoleSessionName attribute matching [a-zA-Z_0-9+=,.@-]{2,64} | InvalidIdentityToken 400 "RoleSessionName is required in AuthnResponse" / "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}" |
| a Subject NameID; the Role attribute holds the RoleArn,PrincipalArn pair; the role exists; its trust policy allows sts:AssumeRoleWithSAML for the provider (saml: condition keys) | AccessDenied 403 "Not authorized to perform sts:AssumeRoleWithSAML" |
| 900 <= DurationSeconds <= the role's MaxSessionDuration | ValidationError 400 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." |
| the session Policy parses | MalformedPolicyDocument 400 (the parser's reason) |

Sources: IAM User Guide "Troubleshoot SAML federation with IAM" (troubleshoot_saml.html) for the
messages and codes it documents; STS API Reference "AssumeRoleWithSAML" (Errors, response elements,
DurationSeconds); the ExpiredTokenException and ValidationError texts are those AWS returns as quoted
in user reports (gimme-aws-creds #251, aws-google-auth #209). Messages AWS does not document (the
"Invalid SAML response: ..." family, not-yet-valid) say plainly what is wrong.

CreateSAMLProvider / UpdateSAMLProvider with metadata that cannot be parsed is refused with
InvalidInput "Could not parse metadata" (IAM User Guide, same page) instead of being stored.
"""

from __future__ import annotations

import logging
import re
from datetime import timezone

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.aws.protocol.serializer import create_serializer
from localstack.http import Response

from sandbox import iam_policy, saml

from ..journal import store as journal

LOG = logging.getLogger(__name__)

SESSION_NAME_RE = re.compile(r"^[a-zA-Z_0-9+=,.@-]{2,64}$")
DEFAULT_DURATION = 3600  # STS API Reference: DurationSeconds defaults to one hour
ARN_ACCOUNT_RE = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):")

def verified_federation(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.operation is None:
        return
    service, operation = context.service.service_name, context.operation.name
    if service == "iam" and operation in ("CreateSAMLProvider", "UpdateSAMLProvider"):
        _check_metadata(context)
    elif service == "sts" and operation == "AssumeRoleWithSAML" and not context.is_internal_call:
        result = assume_role_with_saml(context.service_request or {}, context.region)
        context.service_response = result
        serializer = create_serializer(context.service, context.protocol)
        response.update_from(serializer.serialize_to_response(
            result, context.operation, context.request.headers, context.request_id))
        chain.stop()


def _check_metadata(context: RequestContext) -> None:
    document = (context.service_request or {}).get("SAMLMetadataDocument")
    if document is None:
        return  # UpdateSAMLProvider without a new document; the API validates the rest
    try:
        saml.parse_metadata(document)
    except saml.MetadataError as exc:
        LOG.info("awslab: refusing SAML metadata: %s", exc)
        raise CommonServiceException("InvalidInput", "Could not parse metadata", 400, True) from None


def _refuse(refusal: saml.SamlRefusal, account: str, region: str, role_arn: str, principal_arn: str):
    journal.record(account, region, "sts-assume-role-with-saml", outcome="refused", role=role_arn,
                   provider=principal_arn, error_code=refusal.code, error_message=refusal.message)
    return CommonServiceException(refusal.code, refusal.message, refusal.status, True)


def _backends(account: str, partition: str):
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    return iam_backends[account][partition], sts_backends[account][partition]


def assume_role_with_saml(request: dict, region: str = "us-east-1") -> dict:
    role_arn = request.get("RoleArn") or ""
    principal_arn = request.get("PrincipalArn") or ""
    role_match, provider_match = ARN_ACCOUNT_RE.match(role_arn), ARN_ACCOUNT_RE.match(principal_arn)
    account = (role_match or provider_match).group(2) if (role_match or provider_match) else "000000000000"
    try:
        return _assume(request, role_arn, principal_arn, role_match, provider_match, account, region)
    except saml.SamlRefusal as refusal:
        raise _refuse(refusal, account, region, role_arn, principal_arn) from None


def _assume(request, role_arn, principal_arn, role_match, provider_match, account, region) -> dict:
    provider = None
    if provider_match and ":saml-provider/" in principal_arn:
        iam, _ = _backends(provider_match.group(2), provider_match.group(1))
        provider = next((p for p in iam.saml_providers.values() if p.arn == principal_arn), None)
    if provider is None:
        raise saml.invalid_token("Specified provider doesn't exist.")
    try:
        metadata = saml.parse_metadata(provider.saml_metadata_document or "")
    except saml.MetadataError:
        raise saml.invalid_token(saml.SIGNATURE_INVALID) from None

    assertion = saml.verify(request.get("SAMLAssertion") or "", metadata)

    session_names = assertion.values(saml.ATTR_SESSION_NAME)
    if not session_names:
        raise saml.invalid_token("RoleSessionName is required in AuthnResponse")
    session_name = session_names[0]
    if not SESSION_NAME_RE.match(session_name):
        raise saml.invalid_token("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")

    denied = saml.SamlRefusal("AccessDenied", saml.NOT_AUTHORIZED, 403)
    if not assertion.name_id:
        raise denied
    if (role_arn, principal_arn) not in saml.role_pairs(assertion.values(saml.ATTR_ROLE)):
        raise denied
    if not role_match:
        raise denied
    iam, sts = _backends(role_match.group(2), role_match.group(1))
    role = next((r for r in iam.roles.values() if r.arn == role_arn), None)
    if role is None:
        raise denied

    context = saml.condition_context(assertion, provider_match.group(2), provider.name, principal_arn)
    trust = iam_policy.Request(action="sts:AssumeRoleWithSAML", resource=role_arn,
                               principal={"Federated": principal_arn}, context=context)
    try:
        allowed = iam_policy.evaluate(role.assume_role_policy_document, trust).allowed
    except iam_policy.PolicyError:
        allowed = False
    if not allowed:
        raise denied

    duration = int(request.get("DurationSeconds") or DEFAULT_DURATION)
    if duration < 900:  # the API's constraint, answered as AWS words its validation errors
        raise saml.SamlRefusal("ValidationError", f"1 validation error detected: Value '{duration}' at "
                               "'durationSeconds' failed to satisfy constraint: Member must have value "
                               "greater than or equal to 900")
    if duration > int(role.max_session_duration or DEFAULT_DURATION):
        raise saml.SamlRefusal(
            "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    # SessionDuration is meant for console sessions; in an API call it can only shorten the session
    # (IAM User Guide, SAML SessionDuration attribute).
    for value in assertion.values(saml.ATTR_SESSION_DURATION)[:1]:
        if value.isdigit() and 900 <= int(value) < duration:
            duration = int(value)

    policy = request.get("Policy")
    if policy:
        try:
            iam_policy.parse(policy)
        except iam_policy.PolicyError as exc:
            raise saml.SamlRefusal("MalformedPolicyDocument", str(exc)) from None

    session = sts.assume_role(region_name=region, role_session_name=session_name, role_arn=role_arn,
                              policy=policy, duration=duration, external_id=None)
    # The caller of AssumeRoleWithSAML as CloudTrail records it (CloudTrail User Guide,
    # "CloudTrail userIdentity element", SAMLUser); calls made with the session are the AssumedRole
    # session (sandbox/plugins/identity).
    qualifier = context["saml:namequalifier"]
    journal.record(account, region, "sts-assume-role-with-saml", outcome="allowed", role=role_arn,
                   provider=principal_arn, session=session.arn, subject=assertion.name_id,
                   duration_seconds=duration, access_key_id=session.access_key_id,
                   user_identity={"type": "SAMLUser", "principalId": f"{qualifier}:{assertion.name_id}",
                                  "userName": assertion.name_id, "identityProvider": qualifier})
    result = {
        "Credentials": {
            "AccessKeyId": session.access_key_id,
            "SecretAccessKey": session.secret_access_key,
            "SessionToken": session.session_token,
            # moto keeps naive UTC times
            "Expiration": session.expiration.replace(tzinfo=timezone.utc),
        },
        "AssumedRoleUser": {"AssumedRoleId": f"{role.id}:{session_name}", "Arn": session.arn},
        "Subject": assertion.name_id,
        "SubjectType": assertion.subject_type(),
        "Issuer": assertion.issuer,
        "Audience": assertion.recipient,
        "NameQualifier": qualifier,
    }
    return result
