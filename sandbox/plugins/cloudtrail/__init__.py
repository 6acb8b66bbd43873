"""CloudTrail for awslab: the trails API (provider.py), the recorder that turns every API call into
a CloudTrail record (recorder.py, record.py), delivery of log files to S3, SNS and EventBridge
(delivery.py). See sandbox/plugins/README.md, section cloudtrail.

Two entry points: the provider `cloudtrail:awslab` (selected by PROVIDER_OVERRIDE_CLOUDTRAIL=awslab
in sandbox/emulator.env) and an on_infra_start hook that puts the recorder on the handler chain,
starts its worker and adds the flush route. AWSLAB_CLOUDTRAIL_RECORDER=0 leaves the recorder out.
"""

import os

from localstack.runtime import hooks
from localstack.services.plugins import aws_provider


@aws_provider(api="cloudtrail", name="awslab")
def cloudtrail():
    from localstack.services.plugins import Service

    from .provider import CloudTrailProvider

    provider = CloudTrailProvider()
    return Service.for_provider(provider, dispatch_table_factory=lambda p: p.dispatch_table())


@hooks.on_infra_start()
def awslab_cloudtrail_recorder():
    if os.environ.get("AWSLAB_CLOUDTRAIL_RECORDER", "1") == "0":
        return
    from localstack.aws.handlers import run_custom_response_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED
    from .recorder import RECORDER
    from .routes import CloudTrailRoutes

    run_custom_response_handlers.append(RECORDER.handle)
    RECORDER.start()
    ROUTER.add(CloudTrailRoutes())
    ACCOUNT_RESET_HOOKS.append(RECORDER.reset)
    LOADED.append("cloudtrail")
