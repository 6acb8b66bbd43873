"""Correct, unlike the reference: a 60 s function timeout with the queue's visibility timeout
raised to 360 s (six times, as AWS recommends), ReportBatchItemFailures on the mapping and a
handler that reports failed messages instead of raising; managed policies for SQS, and S3 access
through a customer managed policy."""

import json

from _common import queue

EXPECT = "full"

HANDLER = '''import json
import os

import boto3

s3 = boto3.resource("s3")


def lambda_handler(event, context):
    failures = []
    for message in event["Records"]:
        try:
            body = json.loads(message["body"])
            for record in body.get("Records", []):
                if record["s3"]["object"]["key"] == os.environ["SOURCE_KEY"]:
                    bucket = s3.Bucket(record["s3"]["bucket"]["name"])
                    bucket.copy({"Bucket": bucket.name, "Key": os.environ["SOURCE_KEY"]}, os.environ["COPY_KEY"])
        except Exception as exc:
            print("failed:", exc)
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures}
'''


def build(learner):
    url, queue_arn = queue(learner)
    learner.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "360"})
    bucket, iam = learner.names["bucket"], learner.client("iam")
    policy = iam.create_policy(PolicyName="copy-hane", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{learner.names['source_key']}"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{learner.names['copy_key']}"}]}))
    role = learner.role(learner.names["role"], [], managed=("service-role/AWSLambdaSQSQueueExecutionRole",))
    iam.attach_role_policy(RoleName=learner.names["role"], PolicyArn=policy["Policy"]["Arn"])
    learner.function(learner.names["function"], role, HANDLER, timeout=60,
                     variables={"SOURCE_KEY": learner.names["source_key"], "COPY_KEY": learner.names["copy_key"]})
    learner.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=learner.names["function"], BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"])
