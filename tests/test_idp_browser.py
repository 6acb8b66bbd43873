"""The IdP's web login and the sign-in page in a real browser: Debian's chromium driven by Playwright
(DESIGN.md section 6), against the real emulator. Choose a user at the IdP, choose a role on the
sign-in page, land on the console page as role/user@account; a user without a Role attribute gets
AWS's "invalid SAML response"; the Japanese pages are Japanese.

Skipped, with the reason, on a machine without chromium (.ci/run installs it)."""

import json
import re
import shutil

import pytest

from sandbox import federation, saml
from sandbox.emulator import EmulatorClient

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _set_up(account):
    em, iam = EmulatorClient(account.endpoint), account.client("iam")
    provider = iam.create_saml_provider(Name="sanvarie_test",
                                        SAMLMetadataDocument=em.idp_metadata(account.account_id))["SAMLProviderArn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": saml.AWS_SIGNIN}}}]})
    roles = [iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
             for name in ("saml-role", "saml-admin")]
    em.idp_set_app(account.account_id, roles=[f"{r},{provider}" for r in roles])
    em.idp_put_user(account.account_id, "taro")
    em.idp_put_user(account.account_id, "jiro", roles=[])


def test_web_login_with_role_choice(browser, account, tmp_path):
    _set_up(account)
    page = browser.new_page()
    page.goto(federation.web_login_url(account.endpoint, account.account_id) + "?lang=en")
    assert "awslab IdP" in page.title()
    page.select_option("select[name=user]", "taro")
    page.click("button[type=submit]")
    # The IdP's page posted the SAMLResponse on to the sign-in page, which asks for a role.
    page.wait_for_selector("input[name=role]")
    assert "Select a role:" in page.content() and f"Account: {account.account_id}" in page.content()
    page.screenshot(path=str(tmp_path / "select-role.png"))
    page.check("input[name=role][value^='arn:aws:iam::%s:role/saml-admin']" % account.account_id)
    page.click("button[type=submit]")
    assert page.inner_text("#who") == f"saml-admin/taro@{account.account_id}"
    page.screenshot(path=str(tmp_path / "console.png"))
    # The credentials on the page are the session's.
    text = page.inner_text("pre")
    creds = {k: re.search(rf"export {v}=(\S+)", text).group(1).strip("'")
             for k, v in (("AccessKeyId", "AWS_ACCESS_KEY_ID"), ("SecretAccessKey", "AWS_SECRET_ACCESS_KEY"),
                          ("SessionToken", "AWS_SESSION_TOKEN"))}
    assert federation.caller_arn(account, creds) == f"arn:aws:sts::{account.account_id}:assumed-role/saml-admin/taro"


def test_web_login_refusals_and_japanese(browser, account):
    _set_up(account)
    page = browser.new_page(locale="ja-JP", extra_http_headers={"Accept-Language": "ja"})
    page.goto(federation.web_login_url(account.endpoint, account.account_id))
    assert "サインイン" in page.title() and "ユーザー" in page.content()
    page.select_option("select[name=user]", "jiro")
    page.click("button[type=submit]")
    page.wait_for_selector(".error")
    assert "Your request included an invalid SAML response." in page.inner_text(".error")
    # STS refusals are shown with AWS's code and message: here the IdP's key changed since IAM got
    # its metadata.
    EmulatorClient(account.endpoint).idp_rotate_key(account.account_id)
    page.goto(federation.web_login_url(account.endpoint, account.account_id))
    page.select_option("select[name=user]", "taro")
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=role]")
    assert "ロールを選択" in page.content()
    page.check("input[name=role] >> nth=0")
    page.click("button[type=submit]")
    page.wait_for_selector(".error")
    assert "InvalidIdentityToken: Response signature invalid" in page.inner_text(".error")
