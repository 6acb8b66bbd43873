"""Checks of saml-sso: one function per check id in scenario.yaml.

The trust policy is judged the way STS judges a sign-in: sts:AssumeRoleWithSAML by the principal
{"Federated": provider ARN} with the saml: condition keys of an assertion from the learner's IdP
(sandbox.saml.condition_context; IAM User Guide, "Available keys for SAML-based federation"). The
flow checks sign in through the built-in IdP and AWS's AssumeRoleWithSAML like the blog's 動作確認,
and name the step that failed (IdP, STS with AWS's error, or the identity of the session).
"""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from grader import aws
from grader.check import CheckContext, failed, passed
from sandbox import federation, iam_policy, saml
from sandbox.errors import IdpRefused

SIGNIN = saml.AWS_SIGNIN
OTHER_ENDPOINT = "https://sp.example.com/saml/acs"  # an assertion meant for another service provider


def _role_arn(ctx: CheckContext) -> str:
    return f"arn:aws:iam::{ctx.account_id}:role/{ctx.names['role']}"


def _provider_arn(ctx: CheckContext) -> str:
    return f"arn:aws:iam::{ctx.account_id}:saml-provider/{ctx.names['provider']}"


def _pair(ctx: CheckContext) -> str:
    return f"{_role_arn(ctx)},{_provider_arn(ctx)}"


def _idp(ctx: CheckContext) -> dict:
    return ctx.memoised("idp", lambda: ctx.emulator.idp(ctx.account_id))


def _providers(ctx: CheckContext) -> list[str]:
    return ctx.memoised("saml-providers", lambda: [
        p["Arn"] for p in ctx.client("iam").list_saml_providers().get("SAMLProviderList", [])])


def _role(ctx: CheckContext) -> dict | None:
    return aws.role(ctx, ctx.names["role"])


def provider_exists(ctx: CheckContext):
    arn = _provider_arn(ctx)
    found = _providers(ctx)
    if arn not in found:
        return failed("missing", found=", ".join(a.rsplit("/", 1)[-1] for a in found) or "-")
    return passed(arn=arn)


def provider_metadata_is_idp(ctx: CheckContext):
    document = ctx.client("iam").get_saml_provider(SAMLProviderArn=_provider_arn(ctx))["SAMLMetadataDocument"]
    idp = _idp(ctx)
    try:
        metadata = saml.parse_metadata(document)
    except saml.MetadataError as exc:
        return failed("unreadable", problem=str(exc), debug=document[:500])
    if metadata.entity_id != idp["entity_id"]:
        return failed("other-issuer", found=metadata.entity_id, entity_id=idp["entity_id"])
    current = idp["certificate"]
    shown = federation.fingerprint(current) if current else "-"
    if current not in metadata.certs:
        return failed("other-certificate", fingerprint=shown)
    return passed(entity_id=idp["entity_id"], fingerprint=shown)


def role_exists(ctx: CheckContext):
    role = _role(ctx)
    if role is None:
        return failed("missing")
    return passed(arn=role["Arn"])


def _sign_in_request(ctx: CheckContext, recipient: str) -> iam_policy.Request:
    """What STS evaluates for a sign-in of the scenario's first user through the learner's IdP."""
    assertion = saml.Assertion(issuer=_idp(ctx)["entity_id"], name_id="_awslab-grader",
                               name_id_format=saml.NAMEID_PERSISTENT, recipient=recipient,
                               audiences=["urn:amazon:webservices"],
                               attributes={saml.ATTR_SESSION_NAME: [ctx.names["user1"]]})
    context = saml.condition_context(assertion, ctx.account_id, ctx.names["provider"], _provider_arn(ctx))
    return iam_policy.Request(action="sts:AssumeRoleWithSAML", resource=_role_arn(ctx),
                              principal={"Federated": _provider_arn(ctx)}, context=context)


def role_trusts_provider(ctx: CheckContext):
    document = _role(ctx)["AssumeRolePolicyDocument"]
    try:
        decision = iam_policy.evaluate(document, _sign_in_request(ctx, SIGNIN))
    except iam_policy.PolicyError as exc:
        return failed("invalid", problem=str(exc), debug=str(document))
    if decision.effect == iam_policy.DENY:
        return failed("denied", sid=decision.statement.get("Sid", "-"), debug=str(document))
    if not decision.allowed:
        return failed("not-allowed", provider_arn=_provider_arn(ctx), debug=str(document))
    return passed(sid=decision.statement.get("Sid", "-"))


def trust_checks_audience(ctx: CheckContext):
    document = _role(ctx)["AssumeRolePolicyDocument"]
    if iam_policy.evaluate(document, _sign_in_request(ctx, OTHER_ENDPOINT)).allowed:
        return failed("any-audience", other=OTHER_ENDPOINT, debug=str(document))
    return passed(other=OTHER_ENDPOINT)


def app_sends_role_pair(ctx: CheckContext):
    values = _idp(ctx)["app"]["roles"]
    if not values:
        return failed("none")
    wanted = (_role_arn(ctx), _provider_arn(ctx))
    if wanted not in saml.role_pairs(values):
        return failed("other-pair", found=" | ".join(values), pair=_pair(ctx))
    return passed(pair=_pair(ctx))


def idp_users_exist(ctx: CheckContext):
    names = [u["name"] for u in _idp(ctx)["users"]]
    missing = [n for n in (ctx.names["user1"], ctx.names["user2"]) if n not in names]
    if missing:
        return failed("missing", missing=", ".join(missing), found=", ".join(names) or "-")
    return passed()


def users_sign_in(ctx: CheckContext):
    shown = []
    user_emails = {u["name"]: u["email"] for u in _idp(ctx)["users"]}
    for user in (ctx.names["user1"], ctx.names["user2"]):
        try:
            sso = ctx.emulator.idp_sso(ctx.account_id, user)
        except IdpRefused as exc:
            return failed("idp-refused", user=user, problem=f"{exc.code}: {exc.message}")
        values = saml.unverified_attributes(sso["SAMLResponse"]).get(saml.ATTR_ROLE, [])
        if (_role_arn(ctx), _provider_arn(ctx)) not in saml.role_pairs(values):
            return failed("no-pair", user=user, found=" | ".join(values) or "-")
        try:
            answer = federation.sign_in(ctx.account, sso["SAMLResponse"], _role_arn(ctx), _provider_arn(ctx))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            return failed("sts-refused", user=user, code=error.get("Code", "?"), message=error.get("Message", ""))
        arn = federation.caller_arn(ctx.account, answer["Credentials"])
        sessions = {f"arn:aws:sts::{ctx.account_id}:assumed-role/{ctx.names['role']}/{name}"
                    for name in (user, user_emails.get(user)) if name}
        if arn not in sessions:
            return failed("wrong-identity", user=user, found=arn)
        shown.append(federation.console_display(arn))
    return passed(shown=", ".join(shown))


def _refusal(fn) -> tuple[str, str] | None:
    """(code, message) of AWS's refusal, or None when the sign-in went through."""
    try:
        fn()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return error.get("Code", "?"), error.get("Message", "")
    return None


def user_without_role_refused(ctx: CheckContext):
    probe = f"awslab-probe-{uuid.uuid4().hex[:8]}"
    ctx.emulator.idp_put_user(ctx.account_id, probe, email=f"{probe}@example.com", roles=[])

    def remove_probe():
        ctx.emulator.idp_delete_user(ctx.account_id, probe)

    remove_probe.__name__ = f"remove IdP user {probe}"
    ctx.on_cleanup(remove_probe)
    response = ctx.emulator.idp_sso(ctx.account_id, probe)["SAMLResponse"]
    refusal = _refusal(lambda: federation.sign_in(ctx.account, response, _role_arn(ctx), _provider_arn(ctx)))
    if refusal is None:
        return failed("admitted", probe=probe)
    code, message = refusal
    if code != "AccessDenied":
        return failed("other-error", probe=probe, code=code, message=message)
    return passed(probe=probe, code=code, message=message)


def foreign_signature_refused(ctx: CheckContext):
    intruder = saml.new_signing_identity("not your IdP")
    attributes = {saml.ATTR_ROLE: [_pair(ctx)], saml.ATTR_SESSION_NAME: [ctx.names["user1"]]}
    forged = saml.encode(saml.build_response(intruder, _idp(ctx)["entity_id"], "_awslab-grader", attributes))
    answer: dict = {}

    def attempt():
        answer.update(federation.sign_in(ctx.account, forged, _role_arn(ctx), _provider_arn(ctx)))

    refusal = _refusal(attempt)
    if refusal is None:
        return failed("admitted", found=answer["AssumedRoleUser"]["Arn"])
    code, message = refusal
    if (code, message) != ("InvalidIdentityToken", saml.SIGNATURE_INVALID):
        return failed("other-error", code=code, message=message)
    return passed(code=code, message=message)
