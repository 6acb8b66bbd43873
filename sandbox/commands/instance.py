"""`awslab exec --instance i-... -- COMMAND`: run a command as if on that EC2 instance.

- Credentials: none in the environment and no ~/.aws files; the SDK or CLI fetches the instance
  profile's role credentials from the instance metadata service, which AWS_EC2_METADATA_SERVICE_ENDPOINT
  points at the emulator's IMDS for this instance (sandbox/plugins/network/routes.py). The emulator
  remembers the keys it served belong to the instance, so S3 sees the request coming from there.
- Network: the emulator derives the instance's path to S3 and to the internet from its subnet's
  route table (sandbox/plugins/network/paths.py). Where there is no path, the service's endpoint
  URL points at a local address whose connection queue is full, so the client's connection attempt
  times out exactly as it would on AWS (the aws CLI: `Connect timeout on endpoint URL: "..."`; it
  waits --cli-connect-timeout, 60 s by default, and retries).
- Region: AWS_DEFAULT_REGION is the instance's region (on an instance the CLI v1 would need
  --region; the emulator needs one anyway).
The command's exit code becomes awslab's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys

import click

from .. import accounts, i18n
from ..cliutil import account_options, lang_option, no_rewrap, require_emulator
from ..errors import AwslabError
from ..i18n import t

# What must not leak from the learner's shell into the instance's environment.
_DROPPED = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_EC2_METADATA_DISABLED", "AWS_CREDENTIAL_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


@contextlib.contextmanager
def unreachable_endpoint():
    """A local TCP address where connection attempts time out: a listening socket whose accept
    queue is kept full (Linux then drops further SYNs), like a destination without a route."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(3):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def instance_environment(base: dict, imds: str, region: str, s3_url: str, other_url: str) -> dict:
    env = {k: v for k, v in base.items() if k not in _DROPPED and not k.startswith("AWS_ENDPOINT_URL")}
    env.update({
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds,
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv4",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ENDPOINT_URL": other_url,
        "AWS_ENDPOINT_URL_S3": s3_url,
        # The venv's tools (aws CLI v1) are found even when the venv is not activated.
        "PATH": os.path.dirname(sys.executable) + os.pathsep + base.get("PATH", ""),
    })
    return env


def register(cli: click.Group) -> None:
    @cli.command(name="exec", help=no_rewrap(t("help-exec")),
                 context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
    @click.option("--instance", "instance_id", required=True, metavar="ID", help=t("help-exec-instance"))
    @click.option("--explain", is_flag=True, help=t("help-exec-explain"))
    @account_options
    @lang_option
    @click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
    def exec_(instance_id, explain, account, region, endpoint, lang, command):
        from ..emulator import EmulatorClient

        lang = i18n.use(lang)
        acct = accounts.resolve(account, region, endpoint)
        require_emulator(acct.endpoint)
        client = EmulatorClient.for_account(acct)  # routes naming the account want its signature
        found = client.network_path(acct.account_id, acct.region, instance_id, "s3")
        if found is None:
            raise AwslabError(t("exec-no-instance", instance=instance_id, account=acct.account_id, region=acct.region))
        if found["state"] != "running":
            raise AwslabError(t("exec-not-running", instance=instance_id, state=found["state"]))
        if explain:
            for name in ("service", "internet"):
                path = found[name]
                click.echo(t("exec-path", lang, instance=instance_id, service="s3" if name == "service" else "internet",
                             via=path["via"], detail=json.dumps({k: v for k, v in path.items() if v and k not in (
                                 "instance_id", "service", "via")}, ensure_ascii=False)), err=True)
        imds = client.imds_endpoint(acct.account_id, acct.region, instance_id)
        with contextlib.ExitStack() as stack:
            def url_for(path: dict) -> str:
                return acct.endpoint if path["via"] != "none" else stack.enter_context(unreachable_endpoint())

            env = instance_environment(os.environ, imds, acct.region, url_for(found["service"]),
                                       url_for(found["internet"]))
            try:
                code = subprocess.call(list(command), env=env)
            except FileNotFoundError:
                raise AwslabError(t("exec-command-not-found", command=command[0])) from None
            except KeyboardInterrupt:
                code = 130
        sys.exit(code)
