"""Lambda "process" runtime executor: Lambda functions run as local Python processes, no Docker.

Selected by LAMBDA_RUNTIME_EXECUTOR=awslab-process (sandbox/emulator.env). The executor is in
executor.py, its processes (and the spare kept ready) in processes.py, the program of each execution
environment in bootstrap.py, the event journal's `lambda-result` hop in invocations.py, the fix that
keeps asynchronous invocations across function updates in pollers.py.
"""

import atexit
import gc

from localstack.runtime import hooks
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

EXECUTOR_NAME = "awslab-process"


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """Entry point of the `localstack.lambda.runtime_executor` group (DESIGN.md section 3)."""

    name = EXECUTOR_NAME

    def load(self, *args, **kwargs):
        from .executor import ProcessRuntimeExecutor

        return ProcessRuntimeExecutor


@hooks.on_infra_start()
def awslab_lambda_process():
    from localstack import config
    from localstack.aws.handlers import serve_custom_service_request_handlers

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .invocations import note_invoke
    from .lifecycle import stop_account_functions
    from .pollers import install as keep_async_events_across_updates

    if config.LAMBDA_RUNTIME_EXECUTOR != EXECUTOR_NAME:
        return
    _report_confinement()
    keep_async_events_across_updates()
    serve_custom_service_request_handlers.append(note_invoke)
    ACCOUNT_RESET_HOOKS.append(stop_account_functions)
    # Once Lambda, Logs and their pollers are loaded, the interpreter's last garbage collection at
    # exit takes 4-8 s on a busy 2-core machine (seen in faulthandler dumps: "Garbage-collecting"
    # after LocalStack's "Completed, bye!"), so `awslab down` ran into its kill timeout. Freezing the
    # heap at exit skips that collection; the process ends anyway. atexit runs handlers last-in
    # first-out, so LocalStack's own handlers (registered earlier) still run after this one.
    atexit.register(gc.freeze)
    LOADED.append("lambda_process")


def _report_confinement() -> None:
    """One line in the emulator log, in both languages, when handlers cannot be sandboxed
    (`awslab status` shows it too, from /_awslab/info)."""
    import logging

    from sandbox.i18n import t

    from .confinement import CONFINEMENT

    if not CONFINEMENT.enabled:
        logging.getLogger(__name__).warning(
            "awslab: %s / %s", t("lambda-unconfined", "en", problem=CONFINEMENT.problem),
            t("lambda-unconfined", "ja", problem=CONFINEMENT.problem))


@hooks.on_infra_shutdown()
def awslab_lambda_process_shutdown():
    # LocalStack stops its Lambda environments on shutdown; this catches any it did not reach.
    from .processes import kill_all

    kill_all()
