"""`awslab fetch URL`: request a CloudFront URL (or a Lambda function URL) from the emulator's edge, the way a browser or curl
would request it from CloudFront, and show the status, the headers and where the body went.

The URL is taken exactly as `aws cloudfront sign` prints it; it is sent to the emulator with the
URL's host as Host header (the edge's Host route), path and query untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import click

from .. import config, i18n
from ..cliutil import lang_option, no_rewrap, require_emulator, write_file
from ..emulator import EmulatorClient
from ..errors import AwslabError
from ..i18n import t

# Error bodies of CloudFront and S3 are short XML or HTML, function URL refusals short JSON: printed, not saved.
_TEXT_TYPES = ("text/", "application/xml", "application/json")


def _parse_pairs(values: tuple[str, ...], separator: str, what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        for item in value.split(";") if what == "cookie" else [value]:
            name, sep, content = item.strip().partition(separator)
            if not sep or not name.strip():
                raise AwslabError(t("err-fetch-pair", value=item.strip(), what=what))
            pairs[name.strip()] = content.strip()
    return pairs


def default_output(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "index.html"
    return str(config.home() / "fetched" / name)


def register(cli: click.Group) -> None:
    @cli.command(help=no_rewrap(t("help-fetch")))
    @click.argument("url")
    @click.option("-o", "--output", default=None, metavar="FILE", help=t("help-fetch-output"))
    @click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'", help=t("help-fetch-header"))
    @click.option("--cookie", "cookies", multiple=True, metavar="NAME=VALUE", help=t("help-fetch-cookie"))
    @click.option("-I", "--head", is_flag=True, help=t("help-fetch-head"))
    @click.option("--endpoint", default=None, metavar="URL", help=t("help-opt-endpoint"))
    @lang_option
    def fetch(url, output, headers, cookies, head, endpoint, lang):
        lang = i18n.use(lang)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AwslabError(t("err-fetch-url", lang, url=url))
        endpoint = config.endpoint(endpoint)
        require_emulator(endpoint)
        response = EmulatorClient(endpoint).edge(
            url, method="HEAD" if head else "GET",
            headers=_parse_pairs(headers, ":", "header"), cookies=_parse_pairs(cookies, "=", "cookie"))

        click.echo(f"HTTP {response.status_code} {response.reason}")
        for name, value in response.headers.items():
            click.echo(f"{name}: {value}")
        click.echo()
        body = response.content
        content_type = response.headers.get("Content-Type", "")
        if head:
            pass
        elif output == "-":
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
        elif output is None and response.status_code >= 400 and content_type.startswith(_TEXT_TYPES):
            click.echo(body.decode("utf-8", "replace"))
        else:
            target = output
            if target is None:
                target = default_output(url)
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            write_file(target, body)
            click.echo(t("fetch-saved", lang, size=len(body), type=content_type or "-", path=target))
        sys.exit(0 if response.status_code < 400 else 1)
