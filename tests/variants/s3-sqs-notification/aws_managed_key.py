"""Wrong: the queue is encrypted with the AWS managed key aws/sqs; S3 cannot send to it on AWS
(its key policy cannot admit s3.amazonaws.com), so saving the notification fails as on AWS; the
learner's script goes on."""

from botocore.exceptions import ClientError

from _common import bucket_and_queue, notify, s3_only_policy

EXPECT = {"queue-exists": "AWS managed key alias/aws/sqs"}


def build(learner):
    url, arn = bucket_and_queue(learner, KmsMasterKeyId="alias/aws/sqs")
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_only_policy(learner, arn)})
    try:
        notify(learner, arn)
    except ClientError as exc:  # "Unable to validate the following destination configurations"
        assert exc.response["Error"]["Code"] == "InvalidArgument", exc
