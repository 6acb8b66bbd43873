"""Lambda "process" runtime executor: Lambda functions run as local Python processes, no Docker.

Selected by LAMBDA_RUNTIME_EXECUTOR=awslab-process (sandbox/emulator.env). The executor is in
executor.py, the program of each execution environment in bootstrap.py, the event journal's
`lambda-result` hop in invocations.py.
"""

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

    if config.LAMBDA_RUNTIME_EXECUTOR != EXECUTOR_NAME:
        return
    serve_custom_service_request_handlers.append(note_invoke)
    ACCOUNT_RESET_HOOKS.append(stop_account_functions)
    LOADED.append("lambda_process")


@hooks.on_infra_shutdown()
def awslab_lambda_process_shutdown():
    # LocalStack stops its Lambda environments on shutdown; this catches any it did not reach.
    from .executor import kill_all

    kill_all()
