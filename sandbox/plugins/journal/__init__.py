"""Event journal plugin: records each hop of every flow per account (see store.py, flows.py) and
serves it on GET /_awslab/journal/<account>?since=<seq>. Other plugins call store.record()."""

from localstack.runtime import hooks


# Runs before the other awslab hooks (higher priority first) so that its request handler records
# a call before handlers appended later refuse it (queue_policy), and so that its EventBridge
# patches wrap the eventbridge_rules fix (priority 20) and see every rule.
@hooks.on_infra_start(priority=10)
def awslab_event_journal():
    from localstack.aws.handlers import run_custom_response_handlers, serve_custom_service_request_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .flows import begin_request, end_request, patch_eventbridge, patch_sqs_trigger
    from .routes import JournalRoutes
    from .store import clear

    ROUTER.add(JournalRoutes())
    ACCOUNT_RESET_HOOKS.append(clear)
    serve_custom_service_request_handlers.append(begin_request)
    run_custom_response_handlers.append(end_request)
    patch_eventbridge()
    patch_sqs_trigger()
    LOADED.append("journal")
