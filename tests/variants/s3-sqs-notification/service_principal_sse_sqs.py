"""Correct, unlike the reference: the queue policy names the service principal s3.amazonaws.com
with ArnEquals on the bucket ARN and aws:SourceAccount, the queue is encrypted with SSE-SQS (which
S3 can send to), and the notification covers s3:ObjectCreated:*."""

from _common import bucket_and_queue, notify, s3_only_policy

EXPECT = "full"


def build(learner):
    url, arn = bucket_and_queue(learner, SqsManagedSseEnabled="true")
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_only_policy(learner, arn)})
    notify(learner, arn)
