"""sqs-lambda-s3-copy: `start` seeds the end state of s3-sqs-notification; the blog's handler (an S3
event shape behind an SQS trigger) fails with a message that explains the two shapes; a handler that
forgets the s3:TestEvent or copies its own copy is caught; the reference solution passes.
Real emulator, real Lambda (process executor), real S3 -> SQS -> Lambda."""

import json

import pytest

from grader import engine
from grader import scenario as scenarios
from grader.check import CheckContext, Env
from sandbox.emulator import EmulatorClient

from .lambda_functions import zip_source

SC = scenarios.get("sqs-lambda-s3-copy")

# The blog's handler, verbatim.
BLOG_HANDLER = """
import json
import os
import urllib.parse
import boto3
import subprocess
from datetime import datetime

def lambda_handler(event, context):

    s3 = boto3.resource('s3')

    # バケット名取得
    bucket_name = event['Records'][0]['s3']['bucket']['name']

    # バケット取得
    bucket = s3.Bucket(bucket_name)

    # アップロードしたファイル名を取得
    key = urllib.parse.unquote_plus(event['Records'][0]['s3']['object']['key'], encoding='utf-8')

    # Lambdaのローカルのファイル保存先(/tmp)を設定
    file_path = '/tmp/' + datetime.now().strftime('%Y-%m-%d-%H-%M-%S')

    try:
        # /tmpにダウンロード用のフォルダを作成
        cmd = ['mkdir', '-p', file_path]
        subprocess.run(cmd, stdout=subprocess.PIPE)

        # S3に格納したファイルを作成したフォルダにダウンロード
        bucket.download_file(key, os.path.join(file_path, key))

        # ファイルの名前を変えてS3にPUT
        bucket.upload_file(os.path.join(file_path, key), 'hane2.jpg')

        return
    except Exception as e:
        print(e)
"""

# Reads the SQS body but forgets the s3:TestEvent message; copies with the S3 API.
NO_TEST_EVENT_SKIP = """
import json
import boto3

s3 = boto3.client("s3")

def lambda_handler(event, context):
    for record in event["Records"]:
        for s3_record in json.loads(record["body"])["Records"]:
            bucket = s3_record["s3"]["bucket"]["name"]
            key = s3_record["s3"]["object"]["key"]
            if key == "hane.jpg":
                s3.copy_object(Bucket=bucket, Key="hane2.jpg", CopySource={"Bucket": bucket, "Key": key})
"""

# Both skip the test event (no Records) but handle every object, their own copy too.
EVERY_OBJECT = """
import json
import boto3

s3 = boto3.client("s3")

def lambda_handler(event, context):
    for record in event["Records"]:
        for s3_record in json.loads(record["body"]).get("Records", []):
            bucket = s3_record["s3"]["bucket"]["name"]
            key = s3_record["s3"]["object"]["key"]
"""
# ... copies it by reading and writing: its own copy comes back and is copied again, forever.
COPIES_EVERYTHING = EVERY_OBJECT + """\
            data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            s3.put_object(Bucket=bucket, Key="hane2.jpg", Body=data)
"""
# ... copies it with CopyObject: S3 refuses to copy an object onto itself unchanged.
SELF_COPY = EVERY_OBJECT + """\
            s3.copy_object(Bucket=bucket, Key="hane2.jpg", CopySource={"Bucket": bucket, "Key": key})
"""


@pytest.fixture
def learner(account):
    env = Env(account, SC.render_names(account.account_id))
    SC.setup(env)
    yield env
    # A looping function would go on copying in the shared emulator: empty the account.
    EmulatorClient(account.endpoint).reset_account(account.account_id)


def build(env, handler, runtime="python3.9", queue_policy="service-role/AWSLambdaSQSQueueExecutionRole"):
    """What a learner following the blog builds: role with managed policies, function, SQS trigger."""
    iam, lam, sqs = env.client("iam"), env.client("lambda"), env.client("sqs")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName=env.names["role"], AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for policy in (queue_policy, "AmazonS3FullAccess"):
        iam.attach_role_policy(RoleName=env.names["role"], PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    lam.create_function(
        FunctionName=env.names["function"], Runtime=runtime, Role=role_arn, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_source(handler)}, Timeout=10)
    lam.get_waiter("function_active_v2").wait(FunctionName=env.names["function"],
                                              WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    url = sqs.get_queue_url(QueueName=env.names["queue"])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    try:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=env.names["function"], BatchSize=10)
    except lam.exceptions.InvalidParameterValueException as exc:
        # As on AWS, a role that cannot read the queue gets no trigger (service_permissions plugin).
        if "SQSQueueExecutionRole" in queue_policy:
            raise
        assert "execution role does not have permissions to call ReceiveMessage on SQS" in str(exc)


def grade(env):
    result = engine.grade(SC, env.account, "en")
    return result, {c.id: c for c in result.checks}


def test_start_seeds_the_end_state_of_s3_sqs_notification(learner):
    previous = scenarios.get("s3-sqs-notification")
    result = engine.grade(previous, learner.account, "en")
    assert result.passed, [(c.id, c.message) for c in result.checks if c.status != "pass"]


# AWS Lambda Developer Guide, "Using Lambda with Amazon SQS", example SQS message event (standard queue).
AWS_SQS_RECORD = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
    "body": "Test message.",
    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183",
                   "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"},
    "messageAttributes": {},
    "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
    "awsRegion": "us-east-2",
}

RECORDS_EVENTS = """
import json
import os
import boto3

def lambda_handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["EVENTS_BUCKET"], Key=context.aws_request_id,
                                  Body=json.dumps(event))
"""


def test_the_function_gets_sqs_records_with_the_s3_notification_in_the_body(learner):
    """What the scenario's explanation says, checked against the documented SQS event."""
    events_bucket = f"{learner.account_id}-events"
    s3 = learner.client("s3")
    s3.create_bucket(Bucket=events_bucket, CreateBucketConfiguration={"LocationConstraint": learner.region})
    build(learner, RECORDS_EVENTS, runtime="python3.12")
    learner.client("lambda").update_function_configuration(
        FunctionName=learner.names["function"], Environment={"Variables": {"EVENTS_BUCKET": events_bucket}})
    learner.client("lambda").get_waiter("function_updated_v2").wait(
        FunctionName=learner.names["function"], WaiterConfig={"Delay": 0.2})
    s3.put_object(Bucket=learner.names["bucket"], Key="hane.jpg", Body=b"jpeg")

    def bodies():
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=events_bucket).get("Contents", [])]
        events = [json.loads(s3.get_object(Bucket=events_bucket, Key=k)["Body"].read()) for k in keys]
        found = [json.loads(r["body"]) for e in events for r in e["Records"]]
        return (events, found) if len(found) >= 2 else None

    events, found = CheckContext.wait_for(bodies, timeout=15)
    for event in events:
        assert list(event) == ["Records"]
        for record in event["Records"]:
            assert set(record) == set(AWS_SQS_RECORD), sorted(record)
            assert set(record["attributes"]) >= set(AWS_SQS_RECORD["attributes"])
            assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":TestQueue")
            assert isinstance(record["body"], str) and "s3" not in record  # the S3 event is in the body
    assert {b.get("Event") for b in found} >= {"s3:TestEvent"}
    upload = next(b for b in found if "Records" in b)
    assert upload["Records"][0]["s3"]["object"]["key"] == "hane.jpg"
    assert upload["Records"][0]["eventName"] == "ObjectCreated:Put"


def test_the_blogs_handler_gets_an_explanation_of_sqs_and_s3_event_shapes(learner):
    build(learner, BLOG_HANDLER)
    result, c = grade(learner)
    assert "AWS deprecated python3.9" in c["function-exists"].message
    flow = c["upload-makes-copy"]
    assert flow.status == "fail"
    assert flow.message.startswith("sqs-message-receive failed on the notification about hane.jpg: KeyError: 's3'.")
    assert "the shape of an S3 event sent straight to Lambda" in flow.message
    assert "json.loads(record['body'])" in flow.message and "s3:TestEvent" in flow.message
    assert c["test-event-skipped"].status == "fail" and "KeyError: 's3'" in c["test-event-skipped"].message
    assert result.score == result.max_score - 5 - 2


def test_forgetting_the_test_event_costs_that_check(learner):
    build(learner, NO_TEST_EVENT_SKIP, runtime="python3.12")
    result, c = grade(learner)
    assert c["upload-makes-copy"].status == "pass", c["upload-makes-copy"].message
    assert [x.id for x in result.checks if x.status != "pass"] == ["test-event-skipped"]
    message = c["test-event-skipped"].message
    assert message.startswith("sqs-message-receive fails on the s3:TestEvent message: KeyError: 'Records'.")
    assert "returns it to TestQueue after every visibility timeout" in message


def test_a_function_that_copies_its_own_copy_is_a_loop(learner):
    build(learner, COPIES_EVERYTHING, runtime="python3.12")
    _, c = grade(learner)
    flow = c["upload-makes-copy"]
    assert flow.status == "fail"
    assert "the copy's own notification made sqs-message-receive write hane2.jpg again" in flow.message


def test_a_function_that_fails_on_its_own_copy(learner):
    build(learner, SELF_COPY, runtime="python3.12")
    _, c = grade(learner)
    flow = c["upload-makes-copy"]
    assert "fails on the notification about hane2.jpg itself" in flow.message
    assert "InvalidRequest" in flow.message


def test_a_syntax_error_is_named(learner):
    build(learner, "def lambda_handler(event, context)\n    return 1\n", runtime="python3.12")
    _, c = grade(learner)
    flow = c["upload-makes-copy"]
    assert flow.message.startswith("sqs-message-receive failed on the notification about hane.jpg: "
                                   "Runtime.UserCodeSyntaxError"), flow.message
    assert "line 1" in flow.message


def test_a_role_that_cannot_read_the_queue(learner):
    build(learner, BLOG_HANDLER, queue_policy="service-role/AWSLambdaBasicExecutionRole")
    _, c = grade(learner)
    assert c["role-can-read-queue"].status == "fail"
    assert "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes" in c["role-can-read-queue"].message
    assert c["upload-makes-copy"].status == "skipped"
