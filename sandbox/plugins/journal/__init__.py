"""Event journal plugin: records each hop of every flow per account (see store.py) and serves it
on GET /_awslab/journal/<account>?since=<seq>. Other plugins call store.record()."""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_event_journal():
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .routes import JournalRoutes
    from .store import clear

    ROUTER.add(JournalRoutes())
    ACCOUNT_RESET_HOOKS.append(clear)
    LOADED.append("journal")
