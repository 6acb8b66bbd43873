"""CloudTrail record building and event selectors without an emulator: the conventions of AWS's
documented records (CloudTrail User Guide "CloudTrail log file examples", S3 User Guide
"CloudTrail log file entries for Amazon S3") and of the selectors ("Logging data events")."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.session import Session

from sandbox.plugins.cloudtrail import record, selectors
from sandbox.plugins.cloudtrail.models import Trail

SESSION = Session()
WHEN = datetime(2014, 3, 24, 21, 11, 59, tzinfo=timezone.utc)
ACCOUNT = "123456789012"


def op(service: str, name: str):
    return SESSION.get_service_model(service).operation_model(name)


def call(service: str, name: str, params: dict, response: dict | None = None, **extra) -> record.Call:
    return record.Call(time=WHEN, account_id=ACCOUNT, region="us-east-2", service=service,
                       operation=op(service, name), request_id="req-1", params=params, response=response, **extra)


IDENTITY = {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}


def test_iam_create_user_as_in_the_user_guide():
    rec = record.build(call("iam", "CreateUser", {"UserName": "Bob"}, {"User": {
        "Path": "/", "UserName": "Bob", "UserId": "EXAMPLEUSERID", "Arn": f"arn:aws:iam::{ACCOUNT}:user/Bob",
        "CreateDate": WHEN}}), IDENTITY)
    assert rec["requestParameters"] == {"userName": "Bob"}
    assert rec["responseElements"] == {"user": {"path": "/", "userName": "Bob", "userId": "EXAMPLEUSERID",
                                                "arn": f"arn:aws:iam::{ACCOUNT}:user/Bob",
                                                "createDate": "Mar 24, 2014 9:11:59 PM"}}
    assert rec["awsRegion"] == "us-east-1"  # IAM is global
    assert rec["eventTime"] == "2014-03-24T21:11:59Z"


def test_secrets_never_reach_a_record():
    created = record.build(call("iam", "CreateAccessKey", {"UserName": "Bob"}, {"AccessKey": {
        "UserName": "Bob", "AccessKeyId": "AKIAEXAMPLE", "Status": "Active", "SecretAccessKey": "s3cr3t",
        "CreateDate": WHEN}}), IDENTITY)
    assert "s3cr3t" not in str(created) and created["responseElements"]["accessKey"]["accessKeyId"] == "AKIAEXAMPLE"
    profile = record.build(call("iam", "CreateLoginProfile", {"UserName": "Bob", "Password": "pw-123"}), IDENTITY)
    assert profile["requestParameters"] == {"userName": "Bob"}
    key_pair = record.build(call("ec2", "CreateKeyPair", {"KeyName": "mykeypair"}, {
        "KeyName": "mykeypair", "KeyFingerprint": "30:1d", "KeyMaterial": "-----BEGIN"}), IDENTITY)
    # User Guide, CreateKeyPair example: "keyMaterial": "<sensitiveDataRemoved>".
    assert key_pair["responseElements"]["keyMaterial"] == "<sensitiveDataRemoved>"


def test_ec2_start_instances_as_in_the_user_guide():
    rec = record.build(call("ec2", "StartInstances", {"InstanceIds": ["i-ebeaf9e2"]}, {"StartingInstances": [{
        "InstanceId": "i-ebeaf9e2", "CurrentState": {"Code": 0, "Name": "pending"},
        "PreviousState": {"Code": 80, "Name": "stopped"}}]}), IDENTITY)
    assert rec["requestParameters"] == {"instancesSet": {"items": [{"instanceId": "i-ebeaf9e2"}]}}
    assert rec["responseElements"]["instancesSet"] == {"items": [{
        "instanceId": "i-ebeaf9e2", "currentState": {"code": 0, "name": "pending"},
        "previousState": {"code": 80, "name": "stopped"}}]}
    assert rec["awsRegion"] == "us-east-2" and rec["eventSource"] == "ec2.amazonaws.com"


def test_error_record_and_read_only():
    rec = record.build(call("cloudtrail", "UpdateTrail", {"Name": "myTrail2"}, None, error_code="TrailNotFoundException",
                            error_message=f"Unknown trail: myTrail2 for the user: {ACCOUNT}"), IDENTITY)
    assert (rec["errorCode"], rec["responseElements"]) == ("TrailNotFoundException", None)
    assert list(rec)[8:10] == ["errorCode", "errorMessage"]  # right after userAgent, as documented
    described = record.build(call("cloudtrail", "DescribeTrails", {}, {"trailList": []}), IDENTITY)
    assert described["readOnly"] is True and described["responseElements"] is None


def test_s3_request_parameters():
    rec = record.build(call("s3", "PutBucketTagging", {"Bucket": "b1", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}},
                            {}, host="b1.s3.us-east-2.amazonaws.com", query={"tagging": "", "x-id": "PutBucketTagging"}),
                       IDENTITY, bucket_owner=lambda b: ACCOUNT)
    assert rec["requestParameters"] == {
        "bucketName": "b1", "Host": "b1.s3.us-east-2.amazonaws.com", "tagging": "",
        "Tagging": {"TagSet": {"Tag": {"Key": "k", "Value": "v"}}, "xmlns": record.S3_XMLNS}}
    assert rec["eventCategory"] == "Management" and rec["responseElements"] is None
    assert rec["resources"] == [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b1"}]
    listed = record.build(call("s3", "ListObjectsV2", {"Bucket": "b1", "Prefix": "img/"}, {},
                               query={"list-type": "2", "prefix": "img/"}), IDENTITY)
    # S3 User Guide: ListObjects is logged under that name, as an object-level (data) event.
    assert listed["eventName"] == "ListObjects" and listed["eventCategory"] == "Data"
    assert listed["resources"][0] == {"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b1/img/"}
    presigned = record.build(call("s3", "GetObject", {"Bucket": "b1", "Key": "a.txt"}, {}, auth="query",
                                  query={"X-Amz-Signature": "abc", "X-Amz-Credential": "k/x"}), IDENTITY)
    assert presigned["requestParameters"] == {"bucketName": "b1", "Host": "", "key": "a.txt"}
    assert presigned["additionalEventData"]["AuthenticationMethod"] == "QueryString"


def trail(**kwargs) -> Trail:
    return Trail(name="t", account_id=ACCOUNT, home_region="us-east-2", s3_bucket_name="logs", **kwargs)


def event(category="Data", read_only=False, arn="arn:aws:s3:::bucket-3/my-images/example.jpg", name="DeleteObject"):
    resources = [{"type": "AWS::S3::Object", "ARN": arn}] if category == "Data" else []
    return selectors.Event(category=category, read_only=read_only, event_source="s3.amazonaws.com",
                           event_name=name, resources=resources)


def test_basic_selectors_follow_the_user_guide_examples():
    """"Logging data events for specific S3 objects": bucket-3 with prefix my-images, Write only."""
    t = trail(event_selectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True, "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::bucket-3/my-images"]}]}])
    assert selectors.trail_selects(t, event())
    assert not selectors.trail_selects(t, event(arn="arn:aws:s3:::bucket-3/my-videos/example.avi"))
    assert not selectors.trail_selects(t, event(read_only=True, name="GetObject"))
    assert selectors.trail_selects(t, event(category="Management", name="CreateBucket"))
    assert not selectors.trail_selects(t, event(category="Management", read_only=True, name="ListBuckets"))
    everything = trail(event_selectors=[{"ReadWriteType": "All", "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    assert selectors.trail_selects(everything, event(arn="arn:aws:s3:::any/key"))
    assert not selectors.trail_selects(trail(), event())  # default trail: no data events


def test_advanced_selectors():
    t = trail(advanced_event_selectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "eventName", "Equals": ["PutObject", "DeleteObject"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::bucket-3/my-images/"],
         "NotEndsWith": [".tmp"]}]}])
    assert selectors.trail_selects(t, event())
    assert not selectors.trail_selects(t, event(name="GetObject"))
    assert not selectors.trail_selects(t, event(arn="arn:aws:s3:::bucket-3/my-images/x.tmp"))
    assert not selectors.trail_selects(t, event(category="Management"))


@pytest.mark.parametrize("bad", [
    [],
    [{"ReadWriteType": "read-only"}],
    [{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["mybucket"]}]}],
    [{"ReadWriteType": "All"}] * 6,
])
def test_basic_selectors_refused(bad):
    with pytest.raises(selectors.SelectorError):
        selectors.validate_basic(bad)


@pytest.mark.parametrize("bad", [
    [{"FieldSelectors": [{"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}],
    [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}],
    [{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, {"Field": "color", "Equals": ["x"]}]}],
])
def test_advanced_selectors_refused(bad):
    with pytest.raises(selectors.SelectorError):
        selectors.validate_advanced(bad)


def test_sqs_and_sns_message_calls_are_data_events():
    """Amazon SQS Developer Guide, "Logging Amazon SQS API calls using AWS CloudTrail"."""
    sent = record.build(call("sqs", "SendMessage", {"QueueUrl": f"http://localhost:4566/{ACCOUNT}/orders",
                                                    "MessageBody": "x"}, {"MessageId": "m"}), IDENTITY)
    assert sent["eventCategory"] == "Data" and sent["managementEvent"] is False
    assert sent["resources"] == [{"accountId": ACCOUNT, "type": "AWS::SQS::Queue", "ARN": f"arn:aws:sqs:us-east-2:{ACCOUNT}:orders"}]
    created = record.build(call("sqs", "CreateQueue", {"QueueName": "orders"}, {"QueueUrl": "u"}), IDENTITY)
    assert created["eventCategory"] == "Management" and created["requestParameters"] == {"queueName": "orders"}
    published = record.build(call("sns", "Publish", {"TopicArn": f"arn:aws:sns:us-east-2:{ACCOUNT}:t", "Message": "m"}), IDENTITY)
    assert published["resources"][0]["type"] == "AWS::SNS::Topic"
