"""The IdP's web login (optional companion of `awslab idp login`): pick a user, and the IdP posts the
signed SAMLResponse to the sign-in page (HTTP-POST binding, SAML 2.0 Bindings section 3.5), which
here is the emulator's stand-in for https://signin.aws.amazon.com/saml
(sandbox/plugins/saml_federation/signin.py).

GET/POST /_awslab/idp/<account>/login[?lang=ja|en]
"""

from __future__ import annotations

from html import escape

from localstack.http import Request, Response, route

from sandbox.i18n import t
from sandbox.plugins.http import bad_account, html_response, page_lang

from . import state

SIGNIN_PATH = "/_awslab/signin/saml"


def _login_page(idp: state.IdP, lang: str, error: str = "", status: int = 200) -> Response:
    users = sorted(idp.users)
    if users:
        options = "".join(f'<option value="{escape(u)}">{escape(u)}</option>' for u in users)
        form = (f'<form method="post"><input type="hidden" name="lang" value="{lang}">'
                f'<label for="user">{escape(t("idp-page-user", lang))}</label>'
                f'<select id="user" name="user">{options}</select>'
                f'<p><button type="submit">{escape(t("idp-page-sign-in", lang))}</button></p></form>')
    else:
        form = f"<p>{escape(t('idp-page-no-users', lang))}</p>"
    problem = f'<p class="error">{escape(error)}</p>' if error else ""
    lead = f"<p>{escape(t('idp-page-lead', lang, account=idp.account))}</p>"
    return html_response(t("idp-page-title", lang), problem + lead + form, lang, status)


class IdpPages:
    @route("/_awslab/idp/<account_id>/login", methods=["GET", "POST"])
    def login(self, request: Request, account_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        lang, idp = page_lang(request), state.get(account_id)
        if request.method == "GET":
            return _login_page(idp, lang)
        name = request.form.get("user", "")
        try:
            sso = state.single_sign_on(idp, name)
        except state.IdpError:
            return _login_page(idp, lang, t("idp-error-unknown-user", lang, name=name), 404)
        # The browser carries the response to the sign-in page, as with any IdP's HTTP-POST binding.
        body = (f'<form method="post" action="{SIGNIN_PATH}">'
                f'<input type="hidden" name="SAMLResponse" value="{escape(sso["SAMLResponse"])}">'
                f'<input type="hidden" name="lang" value="{lang}">'
                f'<p>{escape(t("idp-page-redirecting", lang))}</p>'
                f'<noscript><button type="submit">{escape(t("idp-page-continue", lang))}</button></noscript>'
                f"</form><script>document.forms[0].submit()</script>")
        return html_response(t("idp-page-title", lang), body, lang)
