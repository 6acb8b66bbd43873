"""Athena plugin: an Athena API whose queries really run (DuckDB + sqlglot) over the emulator's S3.

Two entry points (pyproject.toml): the provider `athena:awslab` (selected by
PROVIDER_OVERRIDE_ATHENA=awslab in sandbox/emulator.env; LocalStack loads it on the first Athena
request) and an on_infra_start hook that registers the per-account reset and reports the plugin
in /_awslab/info from the start.
"""

from localstack.runtime import hooks
from localstack.services.plugins import aws_provider


@aws_provider(api="athena", name="awslab")
def athena_awslab():
    from localstack.services.plugins import Service

    from .provider import AthenaProvider, dispatch_table

    return Service.for_provider(AthenaProvider(), dispatch_table_factory=dispatch_table)


@hooks.on_infra_start()
def awslab_athena():
    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .provider import reset_account

    ACCOUNT_RESET_HOOKS.append(reset_account)
    LOADED.append("athena")
