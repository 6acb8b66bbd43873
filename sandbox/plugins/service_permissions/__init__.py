"""Service-to-service deliveries authorized by the target's resource-based policy.

LocalStack invokes a function for an EventBridge rule, an S3 notification or an SNS subscription,
and publishes to a topic for S3 or EventBridge, whatever the function's or topic's policy says. On
AWS the function policy (`lambda add-permission`) or topic policy must admit the service principal
(events/s3/sns.amazonaws.com, with aws:SourceArn / aws:SourceAccount). A handler on
`serve_custom_service_request_handlers` evaluates it for LocalStack's internal calls that carry a
service principal, as the queue_policy plugin does for SQS. Table and sources: handler.py and
sandbox/plugins/README.md. SQS event source mappings act with the function's execution role
(validation at CreateEventSourceMapping, every poll authorized): triggers.py.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_service_permissions():
    from localstack.aws.handlers import serve_custom_service_request_handlers

    from .. import LOADED
    from .handler import enforce_service_permissions
    from .triggers import authorize_poller, patch_mapping_validation

    serve_custom_service_request_handlers.append(enforce_service_permissions)
    serve_custom_service_request_handlers.append(authorize_poller)
    patch_mapping_validation()
    LOADED.append("service_permissions")
