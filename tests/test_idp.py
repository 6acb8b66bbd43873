"""The built-in IdP (sandbox/plugins/idp) through `awslab idp ...` and its routes, on the real
emulator: metadata, app settings, users, login (one role, several roles, none), key rotation,
refusals as one line with exit code 2, and the per-account reset."""

import json
import shlex
import subprocess
import sys

import pytest

from sandbox import saml
from sandbox.emulator import EmulatorClient
from sandbox.errors import IdpRefused

SIGNIN_AUD = {"StringEquals": {"SAML:aud": saml.AWS_SIGNIN}}


def _federate(account, idp_metadata: str | None, role="saml-role", provider=None):
    """Provider (unless given) + a role it is trusted by, as the learner would make them."""
    iam = account.client("iam")
    provider = provider or iam.create_saml_provider(
        Name="sanvarie_test", SAMLMetadataDocument=idp_metadata)["SAMLProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                                                     "Action": "sts:AssumeRoleWithSAML", "Condition": SIGNIN_AUD}]}
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return provider, role_arn


def test_metadata_app_users_and_login(account, cli, tmp_path):
    acct = ["--account", account.account_id]
    path = tmp_path / "idp-metadata.xml"
    out = cli("idp", "metadata", "--output", str(path), *acct)
    assert out.returncode == 0, out.stderr
    metadata = saml.parse_metadata(path.read_text())
    assert metadata.entity_id == f"urn:awslab:idp:{account.account_id}"
    assert EmulatorClient(account.endpoint).idp(account.account_id)["certificate"] == metadata.certs[0]

    provider, role = _federate(account, path.read_text())
    assert cli("idp", "app", "set", "--role", f"{role}, {provider}", *acct).returncode == 0
    assert cli("idp", "user", "add", "taro", *acct).returncode == 0

    login = cli("idp", "login", "--user", "taro", *acct)
    assert login.returncode == 0, login.stderr
    assert f"saml-role/taro@{account.account_id}" in login.stderr
    # The export lines work in a shell: the session calls AWS as the assumed role.
    script = f"{login.stdout}\n{shlex.quote(sys.executable)} -c " + shlex.quote(
        "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])")
    arn = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60).stdout.strip()
    assert arn == f"arn:aws:sts::{account.account_id}:assumed-role/saml-role/taro"

    shown = cli("idp", "show", *acct, "--lang", "ja")
    assert shown.returncode == 0 and "taro" in shown.stdout and role in shown.stdout


def test_several_roles_are_listed_like_the_sign_in_page(account, cli):
    acct = ["--account", account.account_id]
    em = EmulatorClient(account.endpoint)
    provider, role = _federate(account, em.idp_metadata(account.account_id))
    _, admin = _federate(account, None, role="saml-admin", provider=provider)
    em.idp_set_app(account.account_id, roles=[f"{role},{provider}", f"{admin},{provider}"])
    em.idp_put_user(account.account_id, "hanako")

    ask = cli("idp", "login", "--user", "hanako", *acct)
    assert ask.returncode == 2
    assert "Select a role:" in ask.stderr and f"Account: {account.account_id}" in ask.stderr
    assert "saml-role" in ask.stderr and "saml-admin" in ask.stderr and "--role" in ask.stderr
    chosen = cli("idp", "login", "--user", "hanako", "--role", "saml-admin", *acct)
    assert chosen.returncode == 0, chosen.stderr
    assert f"saml-admin/hanako@{account.account_id}" in chosen.stderr
    unknown = cli("idp", "login", "--user", "hanako", "--role", "nope", *acct)
    assert unknown.returncode == 2 and "nope" in unknown.stderr


def test_refusals_are_one_line(account, cli):
    acct = ["--account", account.account_id]
    bad_pair = cli("idp", "app", "set", "--role", "arn:aws:iam::123456789012:role/x", *acct)
    assert bad_pair.returncode == 2 and bad_pair.stderr.count("\n") == 1 and "ROLE_ARN,PROVIDER_ARN" in bad_pair.stderr
    unknown = cli("idp", "login", "--user", "ghost", *acct)
    assert unknown.returncode == 2 and "ghost" in unknown.stderr and unknown.stderr.count("\n") == 1
    assert cli("idp", "user", "add", "bad name", *acct).returncode == 2
    assert cli("idp", "user", "remove", "ghost", *acct).returncode == 2
    assert cli("idp", "user", "add", "x", "--no-role", "--role", "a,b", *acct).returncode == 2
    # A user without a Role attribute: the sign-in page's error, nothing half-done.
    assert cli("idp", "user", "add", "jiro", "--no-role", *acct).returncode == 0
    no_role = cli("idp", "login", "--user", "jiro", *acct)
    assert no_role.returncode == 2 and "invalid SAML response" in no_role.stderr and no_role.stdout == ""


def test_key_rotation_needs_new_metadata_in_iam(account, cli):
    acct = ["--account", account.account_id]
    em = EmulatorClient(account.endpoint)
    provider, role = _federate(account, em.idp_metadata(account.account_id))
    em.idp_set_app(account.account_id, roles=[f"{role},{provider}"])
    em.idp_put_user(account.account_id, "taro")
    assert cli("idp", "rotate-key", *acct).returncode == 0
    stale = cli("idp", "login", "--user", "taro", *acct)
    assert stale.returncode == 2 and "InvalidIdentityToken: Response signature invalid" in stale.stderr
    account.client("iam").update_saml_provider(SAMLProviderArn=provider,
                                               SAMLMetadataDocument=em.idp_metadata(account.account_id))
    assert cli("idp", "login", "--user", "taro", *acct).returncode == 0


def test_session_name_from_email_and_routes_validate(account):
    em = EmulatorClient(account.endpoint)
    em.idp_set_app(account.account_id, session_name="email", session_duration=1800)
    em.idp_put_user(account.account_id, "hanako", email="hanako@example.com", roles=[])
    response = em.idp_sso(account.account_id, "hanako")["SAMLResponse"]
    attributes = saml.unverified_attributes(response)
    assert attributes[saml.ATTR_SESSION_NAME] == ["hanako@example.com"]
    assert attributes[saml.ATTR_SESSION_DURATION] == ["1800"] and saml.ATTR_ROLE not in attributes
    for bad in ({"session_name": "phone"}, {"session_duration": 60}, {"roles": "x"}):
        with pytest.raises(IdpRefused):
            em.idp_set_app(account.account_id, **bad)


def test_account_reset_clears_the_idp(account):
    em = EmulatorClient(account.endpoint)
    em.idp_put_user(account.account_id, "taro")
    first = em.idp(account.account_id)
    em.idp_metadata(account.account_id)
    em.reset_account(account.account_id)
    after = em.idp(account.account_id)
    assert after["users"] == [] and after["certificate"] is None and first["users"]
