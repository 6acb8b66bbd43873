"""The emulator's stand-in for AWS's SAML sign-in page (https://signin.aws.amazon.com/saml), used by
the IdP's web login: it reads the Role attribute, lets the user choose when there are several roles
("Select a role", grouped by account), calls the verified AssumeRoleWithSAML of handler.py, and shows
what the console would: role/session@account, plus the session's credentials as export lines.

POST /_awslab/signin/saml  (form: SAMLResponse, role = "roleArn,providerArn" once chosen, lang)
The texts of AWS's own errors are AWS's (IAM User Guide, "Troubleshoot SAML federation with IAM").
"""

from __future__ import annotations

from html import escape

from localstack.aws.api import CommonServiceException
from localstack.http import Request, Response, route

from sandbox import saml
from sandbox.accounts import export_lines
from sandbox.federation import console_display
from sandbox.i18n import t
from sandbox.plugins.http import html_response, page_lang

from .handler import assume_role_with_saml

TITLE_KEY = "signin-page-title"


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def _select_page(response: str, pairs: list[tuple[str, str]], lang: str) -> Response:
    groups = []
    for account, account_pairs in saml.roles_by_account(pairs).items():
        radios = "".join(
            f'<label><input type="radio" name="role" value="{escape(role)},{escape(provider)}"> '
            f"{escape(role.rsplit('/', 1)[-1])}</label>" for role, provider in account_pairs)
        groups.append(f"<fieldset><legend>{escape(t('idp-login-account', lang, account=account))}</legend>"
                      f"{radios}</fieldset>")
    body = (f'<form method="post"><p>{escape(t("idp-login-select-role", lang))}</p>{"".join(groups)}'
            f'{_hidden("SAMLResponse", response)}{_hidden("lang", lang)}'
            f'<p><button type="submit">{escape(t("idp-page-sign-in", lang))}</button></p></form>')
    return html_response(t(TITLE_KEY, lang), body, lang)


def _error_page(message: str, lang: str, status: int) -> Response:
    return html_response(t(TITLE_KEY, lang), f'<p class="error">{escape(message)}</p>', lang, status)


class SigninPages:
    @route("/_awslab/signin/saml", methods=["POST"])
    def saml_sign_in(self, request: Request) -> Response:
        lang = page_lang(request)
        response = request.form.get("SAMLResponse", "")
        try:
            pairs = saml.offered_roles(response)
        except saml.SamlRefusal:
            pairs = []
        if not pairs:
            return _error_page(t("signin-page-invalid-response", lang), lang, 400)
        chosen = request.form.get("role")
        pair = next((p for p in pairs if f"{p[0]},{p[1]}" == chosen), None)
        if pair is None and len(pairs) == 1 and not chosen:
            pair = pairs[0]
        if pair is None:
            return _select_page(response, pairs, lang)
        try:
            answer = assume_role_with_saml(
                {"RoleArn": pair[0], "PrincipalArn": pair[1], "SAMLAssertion": response}, "us-east-1")
        except CommonServiceException as exc:
            return _error_page(t("idp-login-refused", lang, code=exc.code, message=exc.message), lang,
                               exc.status_code)
        arn, creds = answer["AssumedRoleUser"]["Arn"], answer["Credentials"]
        exports = export_lines({
            "AWS_ENDPOINT_URL": request.host_url.rstrip("/"),
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        })
        body = (f'<p class="who" id="who">{escape(console_display(arn))}</p>'
                f"<p>{escape(t('signin-page-session', lang, arn=arn, expires=creds['Expiration'].isoformat()))}</p>"
                f"<pre>{escape(exports)}</pre>")
        return html_response(t("signin-page-console", lang), body, lang)
