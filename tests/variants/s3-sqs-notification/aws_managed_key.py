"""Wrong: the queue is encrypted with the AWS managed key aws/sqs; S3 cannot send to it on AWS
(its key policy cannot admit s3.amazonaws.com)."""

from _common import bucket_and_queue, notify, s3_only_policy

EXPECT = {"queue-exists": "AWS managed key alias/aws/sqs"}


def build(learner):
    url, arn = bucket_and_queue(learner, KmsMasterKeyId="alias/aws/sqs")
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_only_policy(learner, arn)})
    notify(learner, arn)
