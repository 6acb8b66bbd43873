"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""

import json


def bucket_and_queue(learner, **queue_attributes) -> tuple[str, str]:
    s3, sqs = learner.client("s3"), learner.client("sqs")
    s3.create_bucket(Bucket=learner.names["bucket"], CreateBucketConfiguration={"LocationConstraint": learner.region})
    url = sqs.create_queue(QueueName=learner.names["queue"], Attributes=queue_attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def s3_only_policy(learner, queue_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{learner.names['bucket']}"},
                      "StringEquals": {"aws:SourceAccount": learner.account_id}}}]})


def notify(learner, queue_arn: str, **extra) -> None:
    configuration = {"Id": learner.names["notification"], "QueueArn": queue_arn,
                     "Events": ["s3:ObjectCreated:*"], **extra}
    learner.client("s3").put_bucket_notification_configuration(
        Bucket=learner.names["bucket"], NotificationConfiguration={"QueueConfigurations": [configuration]})
