"""Correct, unlike the reference: the handler copies with the S3 client's CopyObject (no /tmp),
tells the test message apart by its missing Records, the role's SQS and S3 permissions are one
inline policy (s3:GetObject/PutObject on bucket/*) instead of the managed SQS policy, batch size 1."""

from _common import build_with

EXPECT = "full"

HANDLER = '''import json
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for message in event["Records"]:
        for record in json.loads(message["body"]).get("Records", []):
            bucket = record["s3"]["bucket"]["name"]
            key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
            if key == os.environ["SOURCE_KEY"]:
                s3.copy_object(Bucket=bucket, Key=os.environ["COPY_KEY"], CopySource={"Bucket": bucket, "Key": key})
'''


def build(learner):
    build_with(learner, ["s3:GetObject", "s3:PutObject"], HANDLER, BatchSize=1)
