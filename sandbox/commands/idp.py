"""`awslab idp ...`: the built-in SAML identity provider of the learner's account, and a sign-in
through it as the AWS console does it (IdP single sign-on, then AssumeRoleWithSAML).

The IdP lives in the emulator (sandbox/plugins/idp); these commands reach it over HTTP through
EmulatorClient, and sign in with boto3's unsigned AssumeRoleWithSAML call like the AWS sign-in page.
Prose goes to stderr and `export` lines to stdout, so `eval "$(awslab idp login --user taro)"` works.
"""

from __future__ import annotations

import click

from .. import accounts, i18n, saml
from ..cliutil import Group, account_options, lang_option, no_rewrap, require_emulator, write_report
from ..errors import AwslabError, IdpRefused
from ..federation import console_display, fingerprint, sign_in, web_login_url
from ..i18n import t

# The IdP's error codes (sandbox/plugins/idp/state.py) and their texts.
IDP_ERRORS = {
    "UnknownUser": "idp-error-unknown-user",
    "InvalidRoleAttribute": "idp-error-invalid-role",
    "InvalidUserName": "idp-error-invalid-user-name",
    "InvalidSetting": "idp-error-invalid-setting",
    "InvalidRequest": "idp-error-invalid-request",
}


def _client(account, region, endpoint, lang):
    from ..emulator import EmulatorClient

    lang = i18n.use(lang)
    acct = accounts.resolve(account, region, endpoint)
    require_emulator(acct.endpoint)
    # Signed by the account: in classroom mode the IdP's routes answer only the account they name.
    return lang, acct, EmulatorClient.for_account(acct)


def _idp_call(fn, *args, **kwargs):
    """Call the IdP; its refusals become one ja/en line."""
    try:
        return fn(*args, **kwargs)
    except IdpRefused as exc:
        key = IDP_ERRORS.get(exc.code)
        raise AwslabError(t(key, **exc.params) if key else f"{exc.code}: {exc.message}") from None


def role_choice(pairs: list[tuple[str, str]], wanted: str | None) -> tuple[str, str] | None:
    """The pair whose role ARN or role name is `wanted`; the only pair when nothing is wanted."""
    if wanted:
        return next((p for p in pairs if wanted in (p[0], p[0].rsplit("/", 1)[-1])), None)
    return pairs[0] if len(pairs) == 1 else None


def role_listing(pairs: list[tuple[str, str]], lang: str) -> str:
    """The roles grouped by account, like the AWS sign-in page's "Select a role" list."""
    lines = [t("idp-login-select-role", lang)]
    for account_id, account_pairs in saml.roles_by_account(pairs).items():
        lines.append(f"  {t('idp-login-account', lang, account=account_id)}")
        lines += [f"    ( ) {r.rsplit('/', 1)[-1]:<24} {r}" for r, _provider in account_pairs]
    return "\n".join(lines)


def _command(group: click.Group, name: str, help_key: str):
    """A command of `awslab idp` with the usual --account/--region/--endpoint and --lang options."""
    def wrap(f):
        return group.command(name=name, help=t(help_key))(account_options(lang_option(f)))

    return wrap


def register(cli: click.Group) -> None:
    @cli.group(cls=Group, help=no_rewrap(t("help-idp")))
    def idp():
        pass

    @_command(idp, "show", "help-idp-show")
    def show(account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        info = _idp_call(em.idp, acct.account_id)
        app = info["app"]
        click.echo(t("idp-show-entity", lang, entity_id=info["entity_id"], account=acct.account_id))
        cert = fingerprint(info["certificate"]) if info["certificate"] else t("idp-show-no-key", lang)
        click.echo(t("idp-show-certificate", lang, fingerprint=cert))
        click.echo(t("idp-show-app", lang, session_name=app["session_name"],
                     duration=app["session_duration"] or "-"))
        for value in app["roles"] or [t("idp-show-none", lang)]:
            click.echo(f"    Role: {value}")
        click.echo(t("idp-show-login-page", lang, url=web_login_url(acct.endpoint, acct.account_id, acct.secret)))
        click.echo(t("idp-show-users", lang, count=len(info["users"])))
        for user in info["users"]:
            roles = t("idp-show-app-roles", lang) if user["roles"] is None else (
                ", ".join(user["roles"]) or t("idp-show-none", lang))
            click.echo(f"    {user['name']:<16} {user['email'] or '-':<28} Role: {roles}")

    @_command(idp, "metadata", "help-idp-metadata")
    @click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help=t("help-idp-metadata-output"))
    def metadata(output, account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        document = _idp_call(em.idp_metadata, acct.account_id)
        if output:
            write_report(output, document)
            click.echo(t("idp-metadata-written", lang, path=output), err=True)
        else:
            click.echo(document.rstrip("\n"))

    @idp.group(name="app", cls=Group, help=t("help-idp-app"))
    def app():
        pass

    @_command(app, "set", "help-idp-app-set")
    @click.option("--role", "roles", multiple=True, metavar="ROLE_ARN,PROVIDER_ARN", help=t("help-idp-opt-role-pair"))
    @click.option("--session-name", type=click.Choice(["name", "email"]), default=None,
                  help=t("help-idp-app-session-name"))
    @click.option("--session-duration", type=int, default=None, metavar="SECONDS",
                  help=t("help-idp-app-session-duration"))
    def app_set(roles, session_name, session_duration, account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        settings: dict = {}
        if roles:
            settings["roles"] = list(roles)
        if session_name:
            settings["session_name"] = session_name
        if session_duration is not None:
            settings["session_duration"] = session_duration or None
        saved = _idp_call(em.idp_set_app, acct.account_id, **settings)
        click.echo(t("idp-app-saved", lang, roles=len(saved["roles"]), session_name=saved["session_name"],
                     duration=saved["session_duration"] or "-"))

    @idp.group(name="user", cls=Group, help=t("help-idp-user"))
    def user():
        pass

    @_command(user, "add", "help-idp-user-add")
    @click.argument("name")
    @click.option("--email", default=None, help=t("help-idp-user-email"))
    @click.option("--role", "roles", multiple=True, metavar="ROLE_ARN,PROVIDER_ARN", help=t("help-idp-user-role"))
    @click.option("--no-role", is_flag=True, help=t("help-idp-user-no-role"))
    def user_add(name, email, roles, no_role, account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        if no_role and roles:
            raise AwslabError(t("idp-error-role-and-no-role", lang))
        own_roles = [] if no_role else (list(roles) or None)
        _idp_call(em.idp_put_user, acct.account_id, name, email=email, roles=own_roles)
        click.echo(t("idp-user-saved", lang, name=name, account=acct.account_id))

    @_command(user, "remove", "help-idp-user-remove")
    @click.argument("name")
    def user_remove(name, account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        _idp_call(em.idp_delete_user, acct.account_id, name)
        click.echo(t("idp-user-removed", lang, name=name))

    @_command(idp, "rotate-key", "help-idp-rotate-key")
    def rotate_key(account, region, endpoint, lang):
        lang, acct, em = _client(account, region, endpoint, lang)
        cert = _idp_call(em.idp_rotate_key, acct.account_id)
        click.echo(t("idp-key-rotated", lang, fingerprint=fingerprint(cert)))

    @_command(idp, "login", "help-idp-login")
    @click.option("--user", "user_name", required=True, help=t("help-idp-login-user"))
    @click.option("--role", "wanted", default=None, metavar="ARN|NAME", help=t("help-idp-login-role"))
    @click.option("--duration", type=int, default=None, metavar="SECONDS", help=t("help-idp-login-duration"))
    def login(user_name, wanted, duration, account, region, endpoint, lang):
        from botocore.exceptions import ClientError

        lang, acct, em = _client(account, region, endpoint, lang)
        sso = _idp_call(em.idp_sso, acct.account_id, user_name)
        # The sign-in page reads the Role attribute to offer the roles; STS verifies everything.
        pairs = saml.offered_roles(sso["SAMLResponse"])
        if not pairs:
            raise AwslabError(t("idp-login-no-role", lang, user=user_name))
        chosen = role_choice(pairs, wanted)
        if chosen is None:
            click.echo(role_listing(pairs, lang), err=True)
            key = "idp-login-unknown-role" if wanted else "idp-login-choose-role"
            raise AwslabError(t(key, lang, role=wanted or "", count=len(pairs)))
        try:
            answer = sign_in(acct, sso["SAMLResponse"], chosen[0], chosen[1], duration)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise AwslabError(t("idp-login-refused", lang, code=error.get("Code", "?"),
                                message=error.get("Message", ""))) from None
        assumed = answer["AssumedRoleUser"]["Arn"]
        creds = answer["Credentials"]
        click.echo(t("idp-login-signed-in", lang, display=console_display(assumed), arn=assumed,
                     expires=creds["Expiration"].isoformat()), err=True)
        click.echo(accounts.export_lines({
            "AWS_ENDPOINT_URL": acct.endpoint,
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            "AWS_DEFAULT_REGION": acct.region,
            "AWS_REGION": acct.region,
        }))
