"""Event source mappings that react when a record arrives instead of at their next poll.

LocalStack's ESM worker sleeps between polls (after an empty SQS poll up to
LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC, between stream polls
LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC), so a message reached its function 0.5-1.2 s late.
AWS's pollers long-poll. Here a response handler on the writes (SQS SendMessage, DynamoDB item
writes, Kinesis PutRecord) wakes the workers of that source at once; the pollers themselves are
untouched. See sandbox/plugins/README.md, section esm_wakeup. AWSLAB_ESM_WAKEUP=0 leaves it out.
"""

import os

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_esm_wakeup():
    if os.environ.get("AWSLAB_ESM_WAKEUP", "1") == "0":
        return
    from localstack.aws.handlers import run_custom_response_handlers

    from .. import LOADED
    from .wakeup import install, wake_on_write

    install()
    run_custom_response_handlers.append(wake_on_write)
    LOADED.append("esm_wakeup")
