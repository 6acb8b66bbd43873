"""Event journal plugin: records each hop of every flow per account (see store.py, flows.py) and
serves it on GET /_awslab/journal/<account>?since=<seq>. Other plugins call store.record()."""

from localstack.runtime import hooks


# Runs before the other awslab hooks (higher priority first) so that its response handler records
# a learner's call before handlers appended later (EC2 state-change events) act on it, and so
# that its EventBridge patches wrap the eventbridge_rules fix (priority 20) and see every rule.
@hooks.on_infra_start(priority=10)
def awslab_event_journal():
    from localstack.aws.handlers import run_custom_response_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .flows import patch_eventbridge, patch_sqs_trigger, record_request
    from .routes import JournalRoutes
    from .store import clear

    ROUTER.add(JournalRoutes())
    ACCOUNT_RESET_HOOKS.append(clear)
    run_custom_response_handlers.append(record_request)
    patch_eventbridge()
    patch_sqs_trigger()
    LOADED.append("journal")
