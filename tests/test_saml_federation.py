"""The saml_federation plugin on the real emulator: AssumeRoleWithSAML succeeds only as on AWS, and
every refusal carries AWS's error code and message (sandbox/plugins/saml_federation/handler.py).

The tests sign with their own IdP key (registered in IAM through its metadata), so they can craft
expired, misaddressed or tampered responses; the built-in IdP is covered by tests/test_idp.py."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from sandbox import federation, saml
from sandbox.emulator import EmulatorClient

ISSUER = "urn:example:test-idp"
SIGNIN_AUD = {"StringEquals": {"SAML:aud": saml.AWS_SIGNIN}}


@pytest.fixture(scope="module")
def idp():
    return saml.new_signing_identity("federation test IdP")


class Setup:
    def __init__(self, account, idp):
        self.account, self.idp, self.iam = account, idp, account.client("iam")
        self.provider = self.iam.create_saml_provider(
            Name="sanvarie_test", SAMLMetadataDocument=saml.idp_metadata(ISSUER, idp.cert_pem, "http://x/sso"),
        )["SAMLProviderArn"]

    def role(self, name="saml-role", condition=SIGNIN_AUD, principal=None, max_session=None):
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": principal or self.provider},
            "Action": "sts:AssumeRoleWithSAML", **({"Condition": condition} if condition else {})}]}
        extra = {"MaxSessionDuration": max_session} if max_session else {}
        return self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)["Role"]["Arn"]

    def response(self, role_arn, session="taro", signer=None, roles=None, extra=None, **kwargs) -> str:
        attributes = {saml.ATTR_ROLE: roles if roles is not None else [f"{role_arn},{self.provider}"]}
        if session is not None:
            attributes[saml.ATTR_SESSION_NAME] = [session]
        attributes.update(extra or {})
        if not attributes[saml.ATTR_ROLE]:
            del attributes[saml.ATTR_ROLE]
        return saml.encode(saml.build_response(signer or self.idp, ISSUER, "_subject-taro", attributes, **kwargs))

    def sign_in(self, role_arn, response, provider=None, duration=None):
        return federation.sign_in(self.account, response, role_arn, provider or self.provider, duration)

    def refusal(self, role_arn, response, **kwargs) -> tuple[str, str, int]:
        with pytest.raises(ClientError) as info:
            self.sign_in(role_arn, response, **kwargs)
        error = info.value.response
        return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def setup(account, idp):
    return Setup(account, idp)


def test_sign_in_as_aws_answers_and_the_session_is_attributed(setup, account):
    role = setup.role()
    answer = setup.sign_in(role, setup.response(role))
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/saml-role/taro"
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":taro")
    assert answer["Subject"] == "_subject-taro" and answer["SubjectType"] == "persistent"
    assert answer["Issuer"] == ISSUER and answer["Audience"] == saml.AWS_SIGNIN
    assert answer["NameQualifier"] == saml.name_qualifier(ISSUER, account.account_id, "sanvarie_test")
    lifetime = answer["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)
    # Calls made with the session are the session's, in the learner's account.
    assert federation.caller_arn(account, answer["Credentials"]) == answer["AssumedRoleUser"]["Arn"]
    who = EmulatorClient(account.endpoint).identity(answer["Credentials"]["AccessKeyId"])
    assert (who["type"], who["sessionName"], who["roleArn"]) == ("AssumedRole", "taro", role)
    assert who["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == role
    hops = [e for e in EmulatorClient(account.endpoint).journal(account.account_id)
            if e["hop"] == "sts-assume-role-with-saml"]
    assert hops[-1]["outcome"] == "allowed" and hops[-1]["user_identity"]["type"] == "SAMLUser"


def test_several_roles_in_the_attribute_and_session_duration(setup):
    first, second = setup.role("saml-role"), setup.role("saml-admin", max_session=7200)
    response = setup.response(second, roles=[f"{first},{setup.provider}", f"{setup.provider},{second}"],
                              extra={saml.ATTR_SESSION_DURATION: ["1800"]})
    answer = setup.sign_in(second, response, duration=7200)
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/saml-admin/taro")
    # SessionDuration can only shorten an API session (IAM User Guide, SessionDuration attribute).
    lifetime = answer["Credentials"]["Expiration"] - datetime.now(timezone.utc)
    assert timedelta(minutes=25) < lifetime <= timedelta(minutes=30)


INVALID = ("InvalidIdentityToken", 400)
DENIED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)


def test_unknown_provider(setup):
    role = setup.role()
    code, message, status = setup.refusal(role, setup.response(role), provider=setup.provider + "x")
    assert (code, message, status) == ("InvalidIdentityToken", "Specified provider doesn't exist.", 400)


def test_signature_by_another_key_or_tampered(setup):
    role = setup.role()
    forged = setup.response(role, signer=saml.new_signing_identity("intruder"))
    assert setup.refusal(role, forged) == ("InvalidIdentityToken", "Response signature invalid", 400)
    tampered = base64.b64encode(base64.b64decode(setup.response(role)).replace(b">taro<", b">root<")).decode()
    assert setup.refusal(role, tampered) == ("InvalidIdentityToken", "Response signature invalid", 400)
    unsigned = setup.response(role, sign_assertion=False)
    assert setup.refusal(role, unsigned) == ("InvalidIdentityToken", "Response signature invalid", 400)


def test_issuer_of_another_provider(setup, account):
    role = setup.role()
    other = setup.iam.create_saml_provider(
        Name="other", SAMLMetadataDocument=saml.idp_metadata("urn:other", setup.idp.cert_pem, "http://x"),
    )["SAMLProviderArn"]
    response = setup.response(role, roles=[f"{role},{other}"])
    assert setup.refusal(role, response, provider=other) == (
        "InvalidIdentityToken", "Issuer not present in specified provider", 400)


def test_time_window_audience_recipient(setup):
    role = setup.role()
    old = setup.response(role, now=datetime.now(timezone.utc) - timedelta(minutes=6))
    assert setup.refusal(role, old) == ("ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance", 400)
    audience = setup.response(role, audience="https://sp.example.com")
    assert setup.refusal(role, audience) == ("InvalidIdentityToken", "Response does not contain the required audience.", 400)
    code, message, status = setup.refusal(role, setup.response(role, recipient="https://sp.example.com/acs"))
    assert (code, status) == INVALID and "Recipient" in message
    code, _message, status = setup.refusal(role, "bm90IFhNTA==")
    assert (code, status) == INVALID


def test_role_session_name(setup):
    role = setup.role()
    assert setup.refusal(role, setup.response(role, session=None)) == (
        "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse", 400)
    assert setup.refusal(role, setup.response(role, session="taro yamada")) == (
        "InvalidIdentityToken", "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}", 400)


def test_role_attribute_and_trust_policy(setup, account):
    role = setup.role()
    assert setup.refusal(role, setup.response(role, roles=[])) == DENIED  # no Role attribute
    other_role = setup.role("other-role")
    assert setup.refusal(role, setup.response(role, roles=[f"{other_role},{setup.provider}"])) == DENIED
    missing = f"arn:aws:iam::{account.account_id}:role/no-such-role"
    assert setup.refusal(missing, setup.response(missing)) == DENIED
    wrong_aud = setup.role("wrong-aud", condition={"StringEquals": {"SAML:aud": "https://sp.example.com"}})
    assert setup.refusal(wrong_aud, setup.response(wrong_aud)) == DENIED
    other_principal = setup.role("other-principal", principal=f"arn:aws:iam::{account.account_id}:saml-provider/x")
    assert setup.refusal(other_principal, setup.response(other_principal)) == DENIED
    # Conditions on the subject: saml:sub is the NameID.
    by_sub = setup.role("by-sub", condition={"StringEquals": {"SAML:sub": "_subject-taro", **SIGNIN_AUD["StringEquals"]}})
    assert setup.sign_in(by_sub, setup.response(by_sub))["Subject"] == "_subject-taro"


def test_duration_and_session_policy(setup):
    role = setup.role()
    assert setup.refusal(role, setup.response(role), duration=7200) == (
        "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = boto3.client("sts", endpoint_url=setup.account.endpoint, region_name=setup.account.region,
                       config=Config(signature_version=UNSIGNED, parameter_validation=False))
    with pytest.raises(ClientError) as info:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=setup.provider,
                                  SAMLAssertion=setup.response(role), DurationSeconds=899)
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert "greater than or equal to 900" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        sts.assume_role_with_saml(RoleArn=role, PrincipalArn=setup.provider,
                                  SAMLAssertion=setup.response(role), Policy='{"Statement": "nope"}')
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_unparseable_metadata_is_refused_at_creation(account):
    iam = account.client("iam")
    with pytest.raises(ClientError) as info:
        iam.create_saml_provider(Name="broken", SAMLMetadataDocument="<EntityDescriptor>" + "x" * 1000)
    assert (info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]) == (
        "InvalidInput", "Could not parse metadata")
    assert iam.list_saml_providers()["SAMLProviderList"] == []
