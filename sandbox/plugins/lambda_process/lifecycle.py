"""Stop an account's running Lambda machinery when the account is reset.

The account reset (admin plugin) empties LocalStack's Lambda store, but the Lambda service keeps
version managers (with their execution environment processes), async event managers and event
source mapping pollers in its own dicts, keyed by ARN and UUID. Left alone, a reset account's
functions would keep running and its mappings keep polling.
"""

from __future__ import annotations

import logging

LOG = logging.getLogger(__name__)


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def stop_account_functions(account_id: str) -> None:
    from localstack.services.plugins import SERVICE_PLUGINS

    if "lambda" not in SERVICE_PLUGINS.list_loaded_services():
        return
    provider = getattr(SERVICE_PLUGINS.get_service("lambda"), "_provider", None)
    if provider is None:
        return
    for uuid, worker in list(provider.esm_workers.items()):
        if _account_of(worker.esm_config.get("FunctionArn", "")) == account_id:
            provider.esm_workers.pop(uuid, None)
            worker.stop_for_shutdown()  # stops polling without touching the (already emptied) store
    service = provider.lambda_service
    with service.lambda_version_manager_lock:
        arns = {*service.lambda_running_versions, *service.lambda_starting_versions}
    for arn in arns:
        if _account_of(arn) == account_id:
            try:
                service.stop_version(arn)
            except ValueError as e:  # stopped concurrently (deleted by its owner meanwhile)
                LOG.debug("awslab: %s", e)
