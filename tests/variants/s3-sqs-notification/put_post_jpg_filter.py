"""Correct, unlike the reference: only Put and Post events, a suffix filter ".jpg" that still
admits the task's hane.jpg, and a policy with Principal "*" narrowed by a Condition block whose
keys are spelled in another case and that also denies everything without the bucket as source."""

import json

from _common import bucket_and_queue, notify

EXPECT = "full"


def build(learner):
    url, arn = bucket_and_queue(learner)
    bucket_arn = f"arn:aws:s3:::{learner.names['bucket']}"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "s3", "Effect": "Allow", "Principal": "*", "Action": ["sqs:SendMessage"], "Resource": arn,
         "Condition": {"ArnLike": {"AWS:SourceArn": bucket_arn}}},
        {"Sid": "only-the-bucket", "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
         "Condition": {"ArnNotLike": {"aws:SourceArn": bucket_arn}}}]}
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    notify(learner, arn, Events=["s3:ObjectCreated:Put", "s3:ObjectCreated:Post"],
           Filter={"Key": {"FilterRules": [{"Name": "Suffix", "Value": ".jpg"}]}})
