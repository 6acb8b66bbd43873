"""Wrong: the notification only covers keys ending in .png, so the task's hane.jpg sends nothing."""

from _common import bucket_and_queue, notify, s3_only_policy

EXPECT = {"notification-targets-queue": "the filter suffix '.png'"}


def build(learner):
    url, arn = bucket_and_queue(learner)
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_only_policy(learner, arn)})
    notify(learner, arn, Filter={"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}})
