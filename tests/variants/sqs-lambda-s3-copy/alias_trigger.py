"""Correct, unlike the reference: the trigger invokes an alias ("live", on a published version)
instead of the function itself, and the handler reads the object and writes the copy with
GetObject/PutObject."""

from _common import queue, sqs_statement

EXPECT = "full"

HANDLER = '''import json
import os

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for message in event["Records"]:
        for record in json.loads(message["body"]).get("Records", []):
            bucket, key = record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]
            if key == os.environ["SOURCE_KEY"]:
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                s3.put_object(Bucket=bucket, Key=os.environ["COPY_KEY"], Body=body)
'''


def build(learner):
    _, queue_arn = queue(learner)
    bucket = learner.names["bucket"]
    role = learner.role(learner.names["role"], [
        sqs_statement(queue_arn),
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{learner.names['source_key']}"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{learner.names['copy_key']}"}])
    learner.function(learner.names["function"], role, HANDLER,
                     {"SOURCE_KEY": learner.names["source_key"], "COPY_KEY": learner.names["copy_key"]})
    alias = learner.publish_alias(learner.names["function"], "live")
    learner.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=alias)
