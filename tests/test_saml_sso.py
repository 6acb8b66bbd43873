"""saml-sso: what the checks say when one piece is wrong (the self-test in test_selftest.py covers a
fresh account and the reference solution). Real emulator; the solution is applied once and then
broken piece by piece."""

import json

from grader import engine
from grader import scenario as scenarios
from sandbox import saml
from sandbox.emulator import EmulatorClient

SC = scenarios.get("saml-sso")


def _grade(account):
    result = engine.grade(SC, account, "en")
    assert result.gradable, [(c.id, c.message) for c in result.checks if c.status == "error"]
    return {c.id: c for c in result.checks}


def test_broken_pieces_are_named(account, cli):
    assert cli("solve", SC.id, "--account", account.account_id).returncode == 0
    em, iam, names = EmulatorClient(account.endpoint), account.client("iam"), SC.render_names(account.account_id)
    role_arn = f"arn:aws:iam::{account.account_id}:role/{names['role']}"
    provider_arn = f"arn:aws:iam::{account.account_id}:saml-provider/{names['provider']}"

    # The second user's own Role attribute is empty: the sign-in flow names the user and the hop.
    em.idp_put_user(account.account_id, names["user2"], roles=[])
    checks = _grade(account)
    assert checks["users-sign-in"].status == "fail" and names["user2"] in checks["users-sign-in"].message
    assert checks["user-without-role-refused"].status == "skipped"
    em.idp_put_user(account.account_id, names["user2"])

    # A trust policy without the SAML:aud condition still lets users in, but admits any endpoint.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider_arn},
                                                     "Action": "sts:AssumeRoleWithSAML"}]}
    iam.update_assume_role_policy(RoleName=names["role"], PolicyDocument=json.dumps(trust))
    checks = _grade(account)
    assert checks["trust-checks-audience"].status == "fail" and "SAML:aud" in checks["trust-checks-audience"].message
    assert checks["users-sign-in"].status == "pass"

    # The trust policy names another provider: STS would refuse, the check says what is allowed.
    trust["Statement"][0]["Principal"] = {"Federated": provider_arn + "-old"}
    iam.update_assume_role_policy(RoleName=names["role"], PolicyDocument=json.dumps(trust))
    checks = _grade(account)
    assert checks["role-trusts-provider"].status == "fail" and provider_arn in checks["role-trusts-provider"].message

    # The IdP's key is renewed but IAM keeps the old metadata: named before any sign-in is tried.
    em.idp_rotate_key(account.account_id)
    em.idp_set_app(account.account_id, roles=[f"{provider_arn},{role_arn}"])  # either order is fine
    checks = _grade(account)
    assert checks["provider-metadata-is-idp"].status == "fail"
    assert "Response signature invalid" in checks["provider-metadata-is-idp"].message
    assert checks["app-sends-role-pair"].status == "pass"

    # The app's Role names a role that is not this one.
    em.idp_set_app(account.account_id, roles=[f"arn:aws:iam::{account.account_id}:role/other,{provider_arn}"])
    checks = _grade(account)
    assert checks["app-sends-role-pair"].status == "fail" and "role/other" in checks["app-sends-role-pair"].message

    # Metadata of another IdP entity in IAM.
    foreign = saml.idp_metadata("urn:example:other-idp", saml.new_signing_identity("other").cert_pem, "http://x")
    iam.update_saml_provider(SAMLProviderArn=provider_arn, SAMLMetadataDocument=foreign)
    checks = _grade(account)
    assert checks["provider-metadata-is-idp"].status == "fail" and "urn:example:other-idp" in checks[
        "provider-metadata-is-idp"].message
