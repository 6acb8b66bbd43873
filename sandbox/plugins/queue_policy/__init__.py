"""Enforce SQS queue policies for deliveries by AWS services (S3, SNS, EventBridge, ...).

LocalStack community stores queue policies but never applies them, so an S3 notification to a
queue without a policy works here and fails on AWS. On AWS a service delivers to a queue only if
the queue's resource policy allows its service principal (Amazon S3 User Guide, "Granting
permissions to publish event notification messages to a destination"; Amazon SQS Developer Guide,
"Basic examples of Amazon SQS policies"). LocalStack marks such deliveries as internal calls that
carry the service principal and source ARN; this handler evaluates the queue policy for them.

Effects, as on AWS:
- PutBucketNotificationConfiguration fails with InvalidArgument "Unable to validate the following
  destination configurations" / "Permissions on the destination queue do not allow S3 to publish
  notifications from this bucket" (LocalStack's S3 turns the refused s3:TestEvent into that error);
- events from a bucket, topic or rule that the policy does not admit are dropped.
Calls made by learners with credentials are not touched. AWSLAB_ENFORCE_QUEUE_POLICIES=0 turns it off.
"""

import os

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_queue_policy_enforcement():
    if os.environ.get("AWSLAB_ENFORCE_QUEUE_POLICIES", "1") == "0":
        return
    from localstack.aws.handlers import serve_custom_service_request_handlers

    from .. import LOADED
    from .handler import enforce_queue_policy

    serve_custom_service_request_handlers.append(enforce_queue_policy)
    LOADED.append("queue_policy")
