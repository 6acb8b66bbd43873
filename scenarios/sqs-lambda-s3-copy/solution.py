"""Reference solution of sqs-lambda-s3-copy, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), and is safe to run twice. The bucket, the queue and the notification come
from s3-sqs-notification (`awslab start` builds them).

    python solution.py [--bucket 20220807-sqs-test] [--queue TestQueue] [--role Lambda-SQS-Execution-Role]
                       [--function sqs-message-receive] [--source_key hane.jpg] [--copy_key hane2.jpg]
"""

import argparse
import io
import json
import time
import zipfile

import boto3
from botocore.exceptions import ClientError

# The blog's handler, changed where an SQS trigger differs from an S3 trigger: the function gets
# SQS records whose body is the S3 notification (as JSON text), the queue also carries the
# s3:TestEvent message S3 sent when the notification was saved, and only the source object is
# copied (copying the copy would trigger the function again, forever).
HANDLER = '''import json
import os
import tempfile
import urllib.parse

import boto3

s3 = boto3.resource("s3")
SOURCE_KEY = os.environ["SOURCE_KEY"]
COPY_KEY = os.environ["COPY_KEY"]


def lambda_handler(event, context):
    for record in event["Records"]:  # SQS records
        notification = json.loads(record["body"])  # the S3 event notification
        if notification.get("Event") == "s3:TestEvent":
            print("skipping s3:TestEvent of " + notification.get("Bucket", "?"))
            continue
        for s3_record in notification.get("Records", []):
            bucket = s3.Bucket(s3_record["s3"]["bucket"]["name"])
            key = urllib.parse.unquote_plus(s3_record["s3"]["object"]["key"], encoding="utf-8")
            if key != SOURCE_KEY:
                print("not copying " + key)
                continue
            with tempfile.TemporaryDirectory() as folder:  # /tmp, as in the blog
                path = os.path.join(folder, os.path.basename(key))
                bucket.download_file(key, path)
                bucket.upload_file(path, COPY_KEY)
            print("copied %s to %s" % (key, COPY_KEY))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", default="20220807-sqs-test")
    parser.add_argument("--queue", default="TestQueue")
    parser.add_argument("--notification", default="SQS-Event", help="(built by s3-sqs-notification)")
    parser.add_argument("--role", default="Lambda-SQS-Execution-Role")
    parser.add_argument("--function", default="sqs-message-receive")
    parser.add_argument("--source_key", default="hane.jpg")
    parser.add_argument("--copy_key", default="hane2.jpg")
    args = parser.parse_args()

    session = boto3.session.Session()
    region = session.region_name or "ap-northeast-1"
    iam = session.client("iam", region_name=region)
    lam = session.client("lambda", region_name=region)
    sqs = session.client("sqs", region_name=region)

    queue_url = sqs.get_queue_url(QueueName=args.queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # 1. The role: Lambda may assume it; it may read the queue (the AWS managed policy for SQS
    #    triggers) and read and write the two objects (an inline policy narrower than S3 full access).
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role_arn = iam.create_role(RoleName=args.role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role_arn = iam.get_role(RoleName=args.role)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=args.role,
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
    iam.put_role_policy(RoleName=args.role, PolicyName="copy-objects", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{args.bucket}/{args.source_key}"},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{args.bucket}/{args.copy_key}"},
        ]}))
    print(f"role {role_arn}")

    # 2. The function.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    settings = dict(Runtime="python3.12", Role=role_arn, Handler="lambda_function.lambda_handler", Timeout=30,
                    Environment={"Variables": {"SOURCE_KEY": args.source_key, "COPY_KEY": args.copy_key}})
    try:
        function_arn = _create_function(lam, args.function, buffer.getvalue(), settings)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceConflictException":
            raise
        lam.update_function_code(FunctionName=args.function, ZipFile=buffer.getvalue())
        lam.get_waiter("function_updated_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
        function_arn = lam.update_function_configuration(FunctionName=args.function, **settings)["FunctionArn"]
        lam.get_waiter("function_updated_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
    lam.get_waiter("function_active_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
    print(f"function {function_arn}")

    # 3. The SQS trigger (event source mapping).
    existing = lam.list_event_source_mappings(EventSourceArn=queue_arn, FunctionName=args.function)
    if not existing["EventSourceMappings"]:
        mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=args.function,
                                                  BatchSize=10, Enabled=True)
        print(f"trigger {mapping['UUID']}: {args.queue} -> {args.function}")
    else:
        print(f"trigger {args.queue} -> {args.function} already there")


def _create_function(lam, name, code, settings):
    # A role just created can take a few seconds before Lambda may assume it (on AWS).
    for attempt in range(10):
        try:
            return lam.create_function(FunctionName=name, Code={"ZipFile": code}, **settings)["FunctionArn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "InvalidParameterValueException" or attempt == 9:
                raise
            time.sleep(2)


if __name__ == "__main__":
    main()
