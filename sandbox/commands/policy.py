"""`awslab policy simulate` (would this request be allowed, and which statement decides?) and
`awslab policy enforcement` (authorization of every call for an account: show or switch)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from .. import accounts, i18n, iam_policy
from ..cliutil import account_options, lang_option, no_rewrap, require_emulator
from ..errors import AwslabError
from ..i18n import t
from ..policy_explain import explain

_EFFECTS = {iam_policy.ALLOW: "policy-effect-allow", iam_policy.DENY: "policy-effect-deny",
            iam_policy.IMPLICIT_DENY: "policy-effect-implicit"}


def _document(value: str, option: str) -> dict:
    """A policy given inline as JSON, as a file path, or `-` for stdin."""
    try:
        if value == "-":
            text = sys.stdin.read()
        elif value.lstrip().startswith("{"):
            text = value
        else:
            text = Path(value).read_text(encoding="utf-8")
        document = json.loads(text)
        iam_policy.parse(document)
        return document
    except OSError as exc:
        raise AwslabError(t("policy-err-read", option=option, value=value, problem=exc.strerror or exc)) from None
    except (ValueError, iam_policy.PolicyError) as exc:
        raise AwslabError(t("policy-err-invalid", option=option, problem=str(exc).splitlines()[0])) from None


def _context_value(text: str):
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _principal(value: str | None, account_id: str) -> dict | None:
    if value is None:
        return {"AWS": f"arn:aws:iam::{account_id}:root"}
    if value == "anonymous":
        return None
    if value.lower().startswith("service:"):
        return {"Service": value.split(":", 1)[1]}
    if not (value.startswith("arn:") or value.isdigit()):
        raise AwslabError(t("policy-err-principal", value=value))
    return {"AWS": value}


def _live_bucket_policy(env, bucket: str) -> dict | None:
    from botocore.exceptions import ClientError

    from grader.aws import error_code

    try:
        return json.loads(env.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucketPolicy":
            return None
        raise AwslabError(t("policy-err-bucket", bucket=bucket, problem=error_code(exc))) from None


def _instance(env, instance_id: str, service_region: str) -> tuple[dict, dict]:
    """(network condition keys, the instance's role session) for a request from the instance."""
    path = env.emulator.network_path(env.account_id, env.region, instance_id, "s3", service_region)
    if path is None:
        raise AwslabError(t("exec-no-instance", instance=instance_id, account=env.account_id, region=env.region))
    via = path["service"]
    keys = {"ec2:SourceInstanceARN": f"arn:aws:ec2:{env.region}:{env.account_id}:instance/{instance_id}"}
    if via["via"] == "vpc-endpoint":
        keys.update({"aws:SourceVpce": via["vpce_id"], "aws:SourceVpc": via["vpc_id"],
                     "aws:VpcSourceIp": via["private_ip"]})
    elif via["source_ip"]:
        keys["aws:SourceIp"] = via["source_ip"]
    credentials = env.emulator.instance_credentials(env.account_id, env.region, instance_id)
    return keys, credentials or {}


def register(cli: click.Group) -> None:
    from ..cliutil import Group

    @cli.group(name="policy", cls=Group, help=t("help-policy"))
    # Accepted here too (awslab policy --lang ja --help); sandbox.cli.main() has already applied it.
    @click.option("--lang", type=click.Choice(i18n.LANGS), default=None, expose_value=False,
                  help=t("help-opt-lang"))
    def policy():
        pass

    @policy.command(help=no_rewrap(t("help-policy-simulate")))
    @click.option("--action", required=True, metavar="SERVICE:ACTION", help=t("help-policy-action"))
    @click.option("--resource", default=None, metavar="ARN", help=t("help-policy-resource"))
    @click.option("--principal", default=None, metavar="ARN", help=t("help-policy-principal"))
    @click.option("--resource-policy", default=None, metavar="JSON|FILE", help=t("help-policy-resource-policy"))
    @click.option("--identity-policy", multiple=True, metavar="JSON|FILE", help=t("help-policy-identity-policy"))
    @click.option("--boundary", default=None, metavar="JSON|FILE", help=t("help-policy-boundary"))
    @click.option("--session-policy", multiple=True, metavar="JSON|FILE", help=t("help-policy-session-policy"))
    @click.option("--resource-account", default=None, metavar="ID", help=t("help-policy-resource-account"))
    @click.option("--context", "context_items", multiple=True, metavar="KEY=VALUE", help=t("help-policy-context"))
    @click.option("--bucket", default=None, metavar="NAME", help=t("help-policy-bucket"))
    @click.option("--key", "object_key", default=None, metavar="KEY", help=t("help-policy-key"))
    @click.option("--instance", default=None, metavar="ID", help=t("help-policy-instance"))
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                  help=t("help-policy-format"))
    @account_options
    @lang_option
    def simulate(action, resource, principal, resource_policy, identity_policy, boundary, session_policy,
                 resource_account, context_items, bucket, object_key, instance, fmt, account, region, endpoint,
                 lang):
        lang = i18n.use(lang)
        acct = accounts.resolve(account, region, endpoint)
        if resource is None and bucket is None:
            raise AwslabError(t("policy-err-no-resource"))
        if resource is None:
            resource = f"arn:aws:s3:::{bucket}" + (f"/{object_key}" if object_key else "")
        now = datetime.now(timezone.utc)
        context: dict[str, object] = {"aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                      "aws:EpochTime": int(now.timestamp()), "aws:SecureTransport": True}
        identities = [iam_policy.Policy(_document(p, "--identity-policy"), f"--identity-policy #{i + 1}")
                      for i, p in enumerate(identity_policy)]
        boundary_policy = iam_policy.Policy(_document(boundary, "--boundary"), "--boundary") if boundary else None
        resources = iam_policy.Policy(_document(resource_policy, "--resource-policy"), "--resource-policy") \
            if resource_policy else None
        role_arn = None
        if bucket or instance:
            require_emulator(acct.endpoint)
            env = _plain_env(acct)
            if bucket and resources is None:
                live = _live_bucket_policy(env, bucket)
                resources = iam_policy.Policy(live, iam_policy.BUCKET_POLICY) if live else None
            if instance:
                keys, credentials = _instance(env, instance, acct.region)
                context.update(keys)
                if principal is None and credentials.get("RoleName"):
                    principal = f"arn:aws:sts::{acct.account_id}:assumed-role/{credentials['RoleName']}/{instance}"
                    role_arn = f"arn:aws:iam::{acct.account_id}:role/{credentials['RoleName']}"
                    if not identities:
                        from grader.aws import role_policies

                        identities, live_boundary = role_policies(env, credentials["RoleName"])
                        boundary_policy = boundary_policy or live_boundary
        who = _principal(principal, acct.account_id)
        if who and "AWS" in who:
            context.update(iam_policy.principal_keys(who["AWS"], role_arn=role_arn))
        for item in context_items:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise AwslabError(t("policy-err-context", item=item))
            context[key] = _context_value(value)
        request = iam_policy.Request(action, resource, who, context)
        sessions = [iam_policy.Policy(_document(p, "--session-policy"), f"--session-policy #{i + 1}")
                    for i, p in enumerate(session_policy)]
        try:
            decision = iam_policy.authorize(request, identity=identities, resource=resources,
                                            resource_account=resource_account or acct.account_id,
                                            boundary=boundary_policy, session=sessions)
        except iam_policy.PolicyError as exc:
            raise AwslabError(t("policy-err-invalid", option="--context", problem=str(exc))) from None
        record = {**decision.as_dict(), "principal": who.get("AWS") or who.get("Service") if who else "anonymous",
                  "action": action, "resource": resource}
        if fmt == "json":
            click.echo(json.dumps({**record, "context": context, "explanation": explain(record, lang)},
                                  ensure_ascii=False, indent=2, default=str))
        else:
            click.echo(t(_EFFECTS[decision.effect], lang))
            click.echo(explain(record, lang))
            click.echo(t("policy-request", lang, principal=record["principal"], action=action, resource=resource))
            for key in sorted(context):
                click.echo(f"  {key} = {json.dumps(context[key], ensure_ascii=False, default=str)}")
        sys.exit(0 if decision.allowed else 1)

    @policy.command(help=t("help-policy-enforcement"))
    @click.argument("setting", required=False, type=click.Choice(["on", "off", "default"]))
    @click.option("--s3", "s3_setting", type=click.Choice(["on", "off", "default"]), default=None,
                  help=t("help-policy-enforcement-s3"))
    @account_options
    @lang_option
    def enforcement(setting, s3_setting, account, region, endpoint, lang):
        from ..emulator import EmulatorClient

        lang = i18n.use(lang)
        acct = accounts.resolve(account, region, endpoint)
        require_emulator(acct.endpoint)
        client = EmulatorClient.for_account(acct)
        setting = setting or s3_setting  # --s3 is the older spelling of the same switch
        if setting is None:
            state = client.enforcement(acct.account_id)
        else:
            value = {"on": True, "off": False, "default": None}[setting]
            state = client.enforcement(acct.account_id, value, set_it=True)
        click.echo(t("policy-enforcement-state", lang, account=acct.account_id,
                     state=t("policy-on" if state["enabled"] else "policy-off", lang),
                     origin=t("policy-origin-account" if state["explicit"] else "policy-origin-default", lang)))


def _plain_env(acct):
    from grader.check import Env

    return Env(acct, {})
