"""S3 event notifications checked the way AWS checks them before saving.

LocalStack accepts a notification whose destination (queue, topic, function) lives in another
region than the bucket and then delivers across regions. AWS refuses it: the destination must be
in the bucket's region (Amazon S3 User Guide, "Amazon S3 event notifications", supported
destinations), and PutBucketNotificationConfiguration fails with InvalidArgument "The
notification destination service region is not valid for the bucket location constraint".
A learner who got this wrong here would only find out on AWS.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_s3_notification_rules():
    from localstack.aws.handlers import serve_custom_service_request_handlers

    from .. import LOADED
    from .handler import validate_destination_regions

    serve_custom_service_request_handlers.append(validate_destination_regions)
    LOADED.append("s3_notifications")
