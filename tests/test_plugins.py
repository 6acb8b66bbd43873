"""awslab's emulator plugins that make LocalStack as strict as AWS: queue_policy (services deliver
to a queue only when its policy admits them) and s3_notifications (destinations in the bucket's
region). Real emulator, real S3 notifications and SNS subscriptions."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from sandbox.emulator import EmulatorClient
from sandbox.runtime import awslab_info


def _queue(account, name="q"):
    sqs = account.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def _allow(sqs, url, arn, service, source_arn):
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}]})})


def _bodies(sqs, url, expected=None, timeout=3.0):
    """Receive until `expected` messages arrived (deliveries are asynchronous) or `timeout` passed."""
    bodies, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and (expected is None or len(bodies) < expected):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        bodies += [json.loads(m["Body"]) for m in got]
    return bodies


def test_plugin_is_loaded(emulator):
    assert {"admin", "queue_policy", "s3_notifications", "journal"} <= set(awslab_info(emulator.endpoint)["plugins"])


def test_journal_of_a_fresh_account_is_empty_and_ids_are_checked(emulator, account_id):
    import requests

    assert EmulatorClient(emulator.endpoint).journal(account_id) == []
    resp = requests.get(f"{emulator.endpoint}/_awslab/journal/12ab", timeout=5)
    assert resp.status_code == 400 and "InvalidAccountId" in resp.text


def test_s3_notification_needs_the_queue_policy(account):
    s3 = account.client("s3")
    bucket = f"{account.account_id}-qp"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    sqs, url, arn = _queue(account)
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError, match="Unable to validate the following destination configurations"):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)

    _allow(sqs, url, arn, "s3.amazonaws.com", "arn:aws:s3:::some-other-bucket")
    with pytest.raises(ClientError, match="Unable to validate"):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)

    _allow(sqs, url, arn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="hane.jpg", Body=b"x")
    events = [b.get("Event") or b["Records"][0]["eventName"] for b in _bodies(sqs, url, expected=2)]
    assert sorted(events) == ["ObjectCreated:Put", "s3:TestEvent"]


def test_deliveries_stop_when_the_policy_is_removed(account):
    s3 = account.client("s3")
    bucket = f"{account.account_id}-qp2"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    sqs, url, arn = _queue(account)
    _allow(sqs, url, arn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    sqs.purge_queue(QueueUrl=url)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    s3.put_object(Bucket=bucket, Key="dropped.jpg", Body=b"x")
    assert _bodies(sqs, url) == []


def test_sns_subscription_needs_the_queue_policy(account):
    sns = account.client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sqs, url, arn = _queue(account)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message=json.dumps({"n": 1}))
    assert _bodies(sqs, url) == []
    _allow(sqs, url, arn, "sns.amazonaws.com", topic)
    sns.publish(TopicArn=topic, Message=json.dumps({"n": 2}))
    assert _bodies(sqs, url, expected=1) == [{"n": 2}]


def test_learners_own_calls_are_not_affected(account):
    sqs, url, _ = _queue(account)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"mine": True}))
    assert _bodies(sqs, url, expected=1) == [{"mine": True}]


def test_notification_to_another_region_is_refused(account):
    """s3_notifications plugin: AWS only notifies destinations in the bucket's region."""
    s3 = account.client("s3")
    bucket = f"{account.account_id}-region"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    west = account.session().client("sqs", region_name="us-west-2", endpoint_url=account.endpoint)
    url = west.create_queue(QueueName="far")["QueueUrl"]
    arn = west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _allow(west, url, arn, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    with pytest.raises(ClientError) as err:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert err.value.response["Error"]["Message"] == (
        "The notification destination service region is not valid for the bucket location constraint")
