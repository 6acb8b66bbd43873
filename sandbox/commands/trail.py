"""`awslab trail ...`: CloudTrail helpers for learners and instructors.

`awslab trail flush` delivers the account's pending CloudTrail records to the trails' S3 buckets
now, instead of after the delivery interval (AWSLAB_CLOUDTRAIL_DELIVERY_SECONDS, 5 s by default;
AWS itself takes about 5 minutes).
"""

from __future__ import annotations

import click

from .. import accounts, i18n
from ..cliutil import Group, account_options, lang_option, require_emulator
from ..emulator import EmulatorClient
from ..i18n import t


def register(cli: click.Group) -> None:
    @cli.group(cls=Group, help=t("help-trail"))
    # Accepted here too (awslab trail --lang ja --help); main() has already applied it.
    @click.option("--lang", type=click.Choice(i18n.LANGS), default=None, expose_value=False, help=t("help-opt-lang"))
    def trail():
        pass

    @trail.command(help=t("help-trail-flush"))
    @account_options
    @lang_option
    def flush(account, region, endpoint, lang):
        lang = i18n.use(lang)
        acct = accounts.resolve(account, region, endpoint)
        require_emulator(acct.endpoint)
        files = EmulatorClient.for_account(acct).flush_trails(acct.account_id)
        if not files:
            click.echo(t("trail-flush-nothing", lang, account=acct.account_id))
        for f in files:
            if "key" in f:
                click.echo(t("trail-flush-delivered", lang, records=f["records"], bucket=f["bucket"], object_key=f["key"]))
            else:
                click.echo(t("trail-flush-failed", lang, records=f["records"], bucket=f["bucket"],
                             trail=f["trail"], error=f["error"]))
