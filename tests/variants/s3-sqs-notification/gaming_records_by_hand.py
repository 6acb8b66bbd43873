"""Wrong (gaming): no event notification at all; a script of the learner's own sends an S3-shaped
ObjectCreated:Put record to the queue for every new object, with their own credentials."""

import json
import time

from _common import bucket_and_queue, s3_only_policy

EXPECT = {"notification-targets-queue": "has no event notification"}


def build(learner):
    url, arn = bucket_and_queue(learner)
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_only_policy(learner, arn)})


def background(learner, stop):
    s3, sqs, bucket = learner.client("s3"), learner.client("sqs"), learner.names["bucket"]
    url = sqs.get_queue_url(QueueName=learner.names["queue"])["QueueUrl"]
    seen = set()
    while not stop.is_set():
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            if obj["Key"] not in seen:
                seen.add(obj["Key"])
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"Records": [{
                    "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": bucket}, "object": {"key": obj["Key"]}}}]}))
        time.sleep(0.05)
