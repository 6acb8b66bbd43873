"""Reset one account's state in every loaded service, leaving other accounts untouched.

Built on LocalStack's state API (localstack.state): each service hands its state containers to a
StateVisitor. Two kinds hold per-account state:
- AccountRegionBundle (LocalStack stores): a dict keyed by account id, plus cross-account
  attributes (S3's global bucket-name map);
- moto BackendDict: a dict keyed by account id.
Removing the account's key is enough for both: they re-create an empty account on next access.
A few providers keep per-account objects outside their stores; those are released explicitly.
"""

from __future__ import annotations

import logging
import time

from localstack.services.plugins import SERVICE_PLUGINS
from localstack.services.stores import AccountRegionBundle
from localstack.state import StateVisitor
from moto.core.base_backend import BackendDict
from moto.core.base_backend import backend_lock as moto_backend_lock

from sandbox.plugins import ACCOUNT_RESET_HOOKS

LOG = logging.getLogger(__name__)


class AccountStateReset(StateVisitor):
    def __init__(self, account_id: str, provider: object | None):
        self.account_id = account_id
        self.provider = provider
        self.cleared = 0

    def visit(self, state_container) -> None:
        if isinstance(state_container, AccountRegionBundle):
            self._reset_bundle(state_container)
        elif isinstance(state_container, BackendDict):
            self._reset_backend_dict(state_container)
        # AssetDirectory: a folder shared by all accounts; the S3 bytes in it are released below.

    def _reset_bundle(self, bundle: AccountRegionBundle) -> None:
        if self.account_id not in bundle:
            return
        region_bundle = bundle[self.account_id]
        release = _RELEASE.get(bundle.service_name)
        if release:
            release(self, region_bundle)
        bundle.pop(self.account_id, None)
        self.cleared += 1

    def _reset_backend_dict(self, backends: BackendDict) -> None:
        with moto_backend_lock:
            account_backend = dict.pop(backends, self.account_id, None)
        if account_backend is not None:
            account_backend.reset()
            self.cleared += 1


def _release_s3(visitor: AccountStateReset, region_bundle) -> None:
    """Drop the account's bucket names from the global map and free their object bytes."""
    stores = list(region_bundle.values())
    if not stores:
        return
    store = stores[0]
    names = list(store.buckets.keys())  # CrossRegionAttribute: shared by the account's regions
    global_map = store.global_bucket_map
    provider = visitor.provider
    for name in names:
        if global_map.get(name) == visitor.account_id:
            global_map.pop(name, None)
        if provider is not None:
            provider._storage_backend.delete_bucket(name)
            provider._expiration_cache.pop(name, None)
            provider._preconditions_locks.pop(name, None)
    if provider is not None:
        provider._cors_handler.invalidate_cache()


def _release_sqs(visitor: AccountStateReset, region_bundle) -> None:
    """Wake up and stop the account's queues (long polls would otherwise wait on dead queues)."""
    for store in region_bundle.values():
        for queue in store.queues.values():
            queue.shutdown()


_RELEASE = {"s3": _release_s3, "sqs": _release_sqs}


def _drop_arn_keyed_entries(provider: object, account_id: str) -> None:
    """Providers such as EventBridge cache per-resource services in dicts keyed by ARN."""
    marker = f":{account_id}:"
    for value in vars(provider).values():
        if isinstance(value, dict) and value:
            for key in [k for k in value if isinstance(k, str) and k.startswith("arn:") and marker in k]:
                value.pop(key, None)


def reset_account(account_id: str) -> dict:
    started = time.perf_counter()
    services = []
    for name in SERVICE_PLUGINS.list_loaded_services():
        service = SERVICE_PLUGINS.get_service(name)
        if service is None:
            continue
        provider = getattr(service, "_provider", None)
        visitor = AccountStateReset(account_id, provider)
        try:
            service.accept_state_visitor(visitor)
        except Exception:
            LOG.exception("awslab: resetting %s for account %s failed", name, account_id)
            raise
        if provider is not None:
            _drop_arn_keyed_entries(provider, account_id)
        if visitor.cleared:
            services.append(name)
    for hook in ACCOUNT_RESET_HOOKS:
        hook(account_id)
    return {
        "account": account_id,
        "services": sorted(services),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
