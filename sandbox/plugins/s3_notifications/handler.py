"""The request-chain handler behind the s3_notifications plugin."""

from __future__ import annotations

from localstack.aws.api import RequestContext
from localstack.aws.api.s3 import InvalidArgument
from localstack.aws.chain import HandlerChain
from localstack.http import Response

from .. import localstack_state

DESTINATIONS = (
    ("QueueConfigurations", "QueueArn"),
    ("TopicConfigurations", "TopicArn"),
    ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
)
# The text AWS answers with (seen in AWS responses, e.g. cloud-custodian issue #1720).
WRONG_REGION = "The notification destination service region is not valid for the bucket location constraint"


def validate_destination_regions(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "s3":
        return
    if context.operation is None or context.operation.name != "PutBucketNotificationConfiguration":
        return
    request = context.service_request or {}
    bucket_region = localstack_state.bucket_region(request.get("Bucket", ""))
    if bucket_region is None:
        return  # S3 itself answers NoSuchBucket
    configuration = request.get("NotificationConfiguration") or {}
    for list_key, arn_key in DESTINATIONS:
        for entry in configuration.get(list_key) or []:
            parts = str(entry.get(arn_key, "")).split(":")
            if len(parts) > 3 and parts[3] and parts[3] != bucket_region:
                raise InvalidArgument(WRONG_REGION)
