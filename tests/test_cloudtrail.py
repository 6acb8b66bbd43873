"""CloudTrail in the emulator: trails API with AWS's validation, records in the documented schema,
delivery to S3, data-event selectors, LookupEvents, EventBridge events, grader calls left out,
per-account reset. Real emulator; each test has its own account.

Documented examples compared against come from the CloudTrail User Guide ("CloudTrail log file
examples", "CloudTrail log event reference") and the Amazon S3 User Guide ("CloudTrail log file
entries for Amazon S3").
"""

from __future__ import annotations

import gzip
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from grader.check import Env
from sandbox.emulator import EmulatorClient

REGION = "ap-northeast-1"
# User Guide, "CloudTrail log file examples": AccountID_CloudTrail_RegionName_YYYYMMDDTHHmmZ_UniqueString.json.gz
KEY_RE = r"AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/\1_CloudTrail_\2_\3\4\5T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz"


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    err = caught.value.response["Error"]
    return err["Code"], err["Message"]


def trail_policy(bucket: str, account_id: str, prefix: str = "") -> dict:
    """The bucket policy of the User Guide's "Amazon S3 bucket policy for CloudTrail"."""
    folder = f"{prefix}/AWSLogs/{account_id}/*" if prefix else f"AWSLogs/{account_id}/*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{bucket}/{folder}",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]}


class Learner:
    def __init__(self, account):
        self.account = account
        self.id = account.account_id
        self.s3 = account.client("s3")
        self.ct = account.client("cloudtrail")
        self.bucket = f"{self.id}-trail-logs"
        self.emulator = EmulatorClient.for_account(account)

    def log_bucket(self, prefix: str = "", policy: bool = True) -> str:
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        if policy:
            self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(trail_policy(self.bucket, self.id, prefix)))
        return self.bucket

    def logging_trail(self, name: str = "my-trail", prefix: str = "", **extra) -> dict:
        self.log_bucket(prefix)
        args = {"S3KeyPrefix": prefix} if prefix else {}
        trail = self.ct.create_trail(Name=name, S3BucketName=self.bucket, **args, **extra)
        self.ct.start_logging(Name=name)
        return trail

    def flush(self) -> list[dict]:
        return self.emulator.flush_trails(self.id)

    def delivered(self, region: str | None = None) -> list[dict]:
        """Every record delivered to the log bucket so far (flushed first; files delivered by the
        timer before count too), oldest file first; only one region's files if given."""
        self.flush()
        objects = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        records = []
        for obj in sorted(objects, key=lambda o: (o["LastModified"], o["Key"])):
            if region and f"/CloudTrail/{region}/" not in obj["Key"]:
                continue
            body = self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read()
            records += json.loads(gzip.decompress(body))["Records"]
        return records


@pytest.fixture
def learner(account):
    return Learner(account)


def by_name(records: list[dict], name: str) -> list[dict]:
    return [r for r in records if r["eventName"] == name]


# ---- trails API -------------------------------------------------------------------------------


def test_create_trail_validates_like_aws(learner):
    ct = learner.ct
    assert error_of(ct.create_trail, Name="ab", S3BucketName="x")[0] == "InvalidTrailNameException"
    assert error_of(ct.create_trail, Name="-trail", S3BucketName="x")[1] == "Trail name must starts with a letter or number."
    assert error_of(ct.create_trail, Name="my--trail", S3BucketName="x")[0] == "InvalidTrailNameException"
    assert error_of(ct.create_trail, Name="192.168.5.4", S3BucketName="x")[0] == "InvalidTrailNameException"
    code, message = error_of(ct.create_trail, Name="my-trail", S3BucketName=learner.bucket)
    assert code == "S3BucketDoesNotExistException" and learner.bucket in message
    # A bucket without CloudTrail's policy: the console writes it, an API user must (issue 4).
    learner.log_bucket(policy=False)
    code, message = error_of(ct.create_trail, Name="my-trail", S3BucketName=learner.bucket)
    assert (code, message) == ("InsufficientS3BucketPolicyException",
                               f"Incorrect S3 bucket policy is detected for bucket: {learner.bucket}")
    # The policy for another prefix does not do either.
    learner.s3.put_bucket_policy(Bucket=learner.bucket, Policy=json.dumps(trail_policy(learner.bucket, learner.id, "other")))
    assert error_of(ct.create_trail, Name="my-trail", S3BucketName=learner.bucket)[0] == "InsufficientS3BucketPolicyException"
    assert ct.describe_trails()["trailList"] == []  # nothing half-done

    learner.s3.put_bucket_policy(Bucket=learner.bucket, Policy=json.dumps(trail_policy(learner.bucket, learner.id)))
    created = ct.create_trail(Name="my-trail", S3BucketName=learner.bucket)
    assert created["TrailARN"] == f"arn:aws:cloudtrail:{REGION}:{learner.id}:trail/my-trail"
    assert created["IncludeGlobalServiceEvents"] is True and created["IsMultiRegionTrail"] is False
    assert error_of(ct.create_trail, Name="my-trail", S3BucketName=learner.bucket) == (
        "TrailAlreadyExistsException", f"Trail my-trail already exists for customer: {learner.id}")
    # CreateTrail does not start logging (the console calls StartLogging for you).
    assert ct.get_trail_status(Name="my-trail")["IsLogging"] is False
    ct.start_logging(Name=created["TrailARN"])
    status = ct.get_trail_status(Name="my-trail")
    assert status["IsLogging"] is True and "StartLoggingTime" in status
    assert error_of(ct.get_trail, Name="nope-trail") == (
        "TrailNotFoundException", f"Unknown trail: nope-trail for the user: {learner.id}")


def test_describe_update_delete_tags(learner):
    ct = learner.ct
    learner.log_bucket()
    ct.create_trail(Name="t-one", S3BucketName=learner.bucket, TagsList=[{"Key": "team", "Value": "a"}])
    arn = ct.get_trail(Name="t-one")["Trail"]["TrailARN"]
    [info] = ct.describe_trails()["trailList"]
    assert info["HomeRegion"] == REGION and info["HasCustomEventSelectors"] is False
    assert ct.list_trails()["Trails"] == [{"TrailARN": arn, "Name": "t-one", "HomeRegion": REGION}]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "env", "Value": "lab"}])
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "team"}])
    assert ct.list_tags(ResourceIdList=[arn])["ResourceTagList"] == [
        {"ResourceId": arn, "TagsList": [{"Key": "env", "Value": "lab"}]}]
    # A refused update leaves the trail as it was.
    assert error_of(ct.update_trail, Name="t-one", S3KeyPrefix="logs")[0] == "InsufficientS3BucketPolicyException"
    assert "S3KeyPrefix" not in ct.get_trail(Name="t-one")["Trail"]
    updated = ct.update_trail(Name="t-one", IsMultiRegionTrail=True)
    assert updated["IsMultiRegionTrail"] is True
    # A multi-region trail is seen from other regions, but changed only in its home region.
    other = learner.account.session().client("cloudtrail", region_name="us-west-2", endpoint_url=learner.account.endpoint)
    assert [t["HomeRegion"] for t in other.describe_trails()["trailList"]] == [REGION]
    assert other.describe_trails(includeShadowTrails=False)["trailList"] == []
    assert error_of(other.stop_logging, Name=arn)[0] == "InvalidHomeRegionException"
    ct.delete_trail(Name=arn)
    assert ct.describe_trails()["trailList"] == []


def test_event_selectors_validation(learner):
    learner.logging_trail()
    ct = learner.ct
    assert error_of(ct.put_event_selectors, TrailName="my-trail", EventSelectors=[
        {"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["bucket-without-arn"]}]}])[0] \
        == "InvalidEventSelectorsException"
    assert error_of(ct.put_event_selectors, TrailName="my-trail", AdvancedEventSelectors=[
        {"FieldSelectors": [{"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])[0] \
        == "InvalidEventSelectorsException"
    assert error_of(ct.put_event_selectors, TrailName="my-trail", EventSelectors=[{"ReadWriteType": "All"}],
                    AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}])[0] \
        == "InvalidParameterCombinationException"
    # The default: all management events, no data events (User Guide, "Logging data events").
    assert ct.get_event_selectors(TrailName="my-trail")["EventSelectors"] == [
        {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [], "ExcludeManagementEventSources": []}]


# ---- delivery -----------------------------------------------------------------------------------


def test_delivery_path_gzip_and_cli_flush(learner, cli):
    learner.logging_trail(prefix="audit")
    learner.s3.put_bucket_tagging(Bucket=learner.bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    done = cli("trail", "flush", "--account", learner.id, env={"AWSLAB_ENDPOINT": learner.account.endpoint})
    assert done.returncode == 0, done.stderr
    printed = re.findall(r"s3://\S+?/(\S+)", done.stdout)
    # (The timer may have delivered already on a slow machine; then the CLI has nothing left.)
    assert printed or "Nothing to deliver" in done.stdout, done.stdout
    keys = [o["Key"] for o in learner.s3.list_objects_v2(Bucket=learner.bucket)["Contents"]]
    assert set(printed) <= set(keys)
    for key in keys:
        assert re.fullmatch("audit/" + KEY_RE, key), key
        assert f"/CloudTrail/{REGION}/" in key
        obj = learner.s3.get_object(Bucket=learner.bucket, Key=key)
        json.loads(gzip.decompress(obj["Body"].read()))  # gzip JSON, as AWS writes it
    assert [r["eventName"] for r in learner.delivered()] == ["StartLogging", "PutBucketTagging"]
    assert learner.flush() == []  # nothing left
    again = cli("trail", "flush", "--account", learner.id, env={"AWSLAB_ENDPOINT": learner.account.endpoint})
    assert "Nothing to deliver" in again.stdout


def test_timed_delivery_without_flush(learner):
    """Delivery happens by itself within the interval (AWSLAB_CLOUDTRAIL_DELIVERY_SECONDS, 5 s)."""
    learner.logging_trail()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        keys = [o["Key"] for o in learner.s3.list_objects_v2(Bucket=learner.bucket).get("Contents", [])]
        if keys:
            break
        time.sleep(0.25)
    assert keys and re.fullmatch(KEY_RE, keys[0])


def test_delivery_error_when_the_policy_is_removed(learner):
    learner.logging_trail()
    learner.s3.delete_bucket_policy(Bucket=learner.bucket)
    files = learner.flush()  # (or the timer was first: then nothing is left to flush)
    assert all(f["error"] == "AccessDenied" and "key" not in f for f in files)
    assert learner.ct.get_trail_status(Name="my-trail")["LatestDeliveryError"] == "AccessDenied"
    assert not learner.s3.list_objects_v2(Bucket=learner.bucket).get("Contents")


def test_stopped_trail_records_nothing(learner):
    learner.logging_trail()
    learner.ct.stop_logging(Name="my-trail")
    learner.s3.list_buckets()
    records = learner.delivered()
    assert [r["eventName"] for r in records] == ["StartLogging"]  # StopLogging itself is not logged


# ---- S3 data events -------------------------------------------------------------------------------


def test_s3_data_events_follow_the_selectors(learner):
    learner.logging_trail()
    data = f"{learner.id}-photos"
    s3 = learner.s3
    s3.create_bucket(Bucket=data, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=data, Key="before.jpg", Body=b"x")  # no data events yet
    learner.ct.put_event_selectors(TrailName="my-trail", EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{data}/"]}]}])
    s3.put_object(Bucket=data, Key="hane.jpg", Body=b"12345", ACL="bucket-owner-full-control")
    s3.get_object(Bucket=data, Key="hane.jpg")["Body"].read()  # a read: not selected
    records = learner.delivered()
    names = [r["eventName"] for r in records]
    assert "CreateBucket" in names and "GetObject" not in names
    [put] = by_name(records, "PutObject")
    assert put["requestParameters"]["key"] == "hane.jpg"
    # S3 User Guide, "CloudTrail log file entries for Amazon S3" / record contents for data events.
    assert put["eventCategory"] == "Data" and put["managementEvent"] is False and put["readOnly"] is False
    assert put["requestParameters"]["bucketName"] == data
    assert put["requestParameters"]["x-amz-acl"] == "bucket-owner-full-control"
    assert put["resources"] == [
        {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{data}/hane.jpg"},
        {"accountId": learner.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{data}"}]
    assert put["additionalEventData"]["bytesTransferredIn"] == 5
    assert put["additionalEventData"]["AuthenticationMethod"] == "AuthHeader"
    assert put["responseElements"]["x-amz-server-side-encryption"] == "AES256"
    # Data events are not part of the event history.
    events = learner.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutObject"}])
    assert events["Events"] == []


def test_advanced_selectors_by_prefix_and_read_only(learner):
    learner.logging_trail()
    data = f"{learner.id}-docs"
    s3 = learner.s3
    s3.create_bucket(Bucket=data, CreateBucketConfiguration={"LocationConstraint": REGION})
    learner.ct.put_event_selectors(TrailName="my-trail", AdvancedEventSelectors=[
        {"Name": "images only", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": [f"arn:aws:s3:::{data}/img/"]}]},
        {"Name": "management writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]}]},
    ])
    s3.put_object(Bucket=data, Key="img/a.jpg", Body=b"a")
    s3.put_object(Bucket=data, Key="doc/b.txt", Body=b"b")
    s3.get_object(Bucket=data, Key="img/a.jpg")["Body"].read()
    s3.list_buckets()
    records = learner.delivered()
    objects = [(r["eventName"], r["requestParameters"].get("key")) for r in records if r["eventCategory"] == "Data"]
    assert objects == [("PutObject", "img/a.jpg"), ("GetObject", "img/a.jpg")]
    [got] = by_name(records, "GetObject")
    assert got["readOnly"] is True and got["responseElements"] is None
    assert got["requestParameters"] == {"bucketName": data, "Host": got["requestParameters"]["Host"], "key": "img/a.jpg"}
    assert got["additionalEventData"]["bytesTransferredOut"] == 1
    assert not by_name(records, "ListBuckets")  # read-only management event: not selected
    assert learner.ct.get_trail(Name="my-trail")["Trail"]["HasCustomEventSelectors"] is True


# ---- records against AWS's documented examples --------------------------------------------------


def tree(value):
    """The key structure of a record (lists by their first element)."""
    if isinstance(value, dict):
        return {k: tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tree(value[0])] if value else []
    return None


def assert_has_shape(actual, documented, path="record"):
    """Every key of the documented example is there, nested the same way."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r}"
        for key, sub in documented.items():
            assert key in actual, f"{path}.{key} missing in {sorted(actual)}"
            assert_has_shape(actual[key], sub, f"{path}.{key}")
    elif isinstance(documented, list) and documented:
        assert isinstance(actual, list) and actual, f"{path}: {actual!r}"
        assert_has_shape(actual[0], documented[0], f"{path}[0]")


# User Guide, "CloudTrail log file examples": StopInstances (values of the example replaced by ours).
DOC_STOP_INSTANCES = {
    "eventVersion": "1.0", "userIdentity": {"type": "", "principalId": "", "arn": "", "accountId": "", "accessKeyId": ""},
    "eventTime": "", "eventSource": "ec2.amazonaws.com", "eventName": "StopInstances", "awsRegion": "",
    "sourceIPAddress": "", "userAgent": "",
    "requestParameters": {"instancesSet": {"items": [{"instanceId": ""}]}, "force": False},
    "responseElements": {"instancesSet": {"items": [{"instanceId": "", "currentState": {"code": 64, "name": "stopping"},
                                                     "previousState": {"code": 16, "name": "running"}}]}},
}
# Same page: IAM CreateUser.
DOC_CREATE_USER = {
    "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "requestParameters": {"userName": "Bob"},
    "responseElements": {"user": {"createDate": "Mar 24, 2014 9:11:59 PM", "userName": "Bob",
                                  "arn": "arn:aws:iam::123456789012:user/Bob", "path": "/", "userId": "EXAMPLEUSERID"}},
}
# Same page, "Error code and message log example": UpdateTrail of an unknown trail.
DOC_UPDATE_TRAIL_ERROR = {
    "eventVersion": "1.04", "eventSource": "cloudtrail.amazonaws.com", "eventName": "UpdateTrail",
    "errorCode": "TrailNotFoundException", "errorMessage": "Unknown trail: myTrail2 for the user: 123456789012",
    "requestParameters": {"name": "myTrail2"}, "responseElements": None, "requestID": "", "eventID": "",
    "eventType": "AwsApiCall", "recipientAccountId": "123456789012",
}
# "CloudTrail log event reference": StartLogging.
DOC_START_LOGGING = {
    "eventSource": "cloudtrail.amazonaws.com", "eventName": "StartLogging",
    "requestParameters": {"name": "arn:aws:cloudtrail:us-east-2:123456789012:trail/My-First-Trail"},
    "responseElements": None, "requestID": "", "eventID": "", "readOnly": False, "eventType": "AwsApiCall",
    "recipientAccountId": "123456789012",
}


def test_records_have_the_documented_shape(learner):
    account = learner.account
    learner.logging_trail(IsMultiRegionTrail=True)  # IAM is a global service: events in us-east-1
    ec2 = account.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro")["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[instance])
    iam = account.client("iam")
    iam.create_user(UserName="Bob")
    with pytest.raises(ClientError):
        learner.ct.update_trail(Name="myTrail2")
    learner.ct.start_logging(Name=f"arn:aws:cloudtrail:{REGION}:{learner.id}:trail/my-trail")
    records = learner.delivered()

    [stop] = by_name(records, "StopInstances")
    assert_has_shape(stop, DOC_STOP_INSTANCES)
    assert stop["requestParameters"] == {"instancesSet": {"items": [{"instanceId": instance}]}, "force": False}
    [item] = stop["responseElements"]["instancesSet"]["items"]
    assert item["instanceId"] == instance and item["previousState"] == {"code": 16, "name": "running"}
    assert item["currentState"]["name"] == "stopping"
    assert stop["awsRegion"] == REGION and stop["readOnly"] is False and stop["eventCategory"] == "Management"

    [run] = by_name(records, "RunInstances")
    assert run["requestParameters"]["instancesSet"] == {"items": [{"imageId": image, "minCount": 1, "maxCount": 1}]}
    assert run["requestParameters"]["instanceType"] == "t2.micro"
    launched = run["responseElements"]["instancesSet"]["items"][0]
    assert launched["instanceId"] == instance and isinstance(launched["launchTime"], int)  # epoch ms

    [user] = by_name(records, "CreateUser")
    assert_has_shape(user, DOC_CREATE_USER)
    assert user["awsRegion"] == "us-east-1"
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M", user["responseElements"]["user"]["createDate"])

    [failed] = by_name(records, "UpdateTrail")
    assert_has_shape(failed, DOC_UPDATE_TRAIL_ERROR)
    assert failed["errorCode"] == "TrailNotFoundException"
    assert failed["errorMessage"] == f"Unknown trail: myTrail2 for the user: {learner.id}"
    assert failed["requestParameters"] == {"name": "myTrail2"} and failed["responseElements"] is None

    started = by_name(records, "StartLogging")[-1]
    assert_has_shape(started, DOC_START_LOGGING)
    # Fields of "CloudTrail record contents" every API-call record carries, in AWS's order.
    assert list(started) == [
        "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
        "userAgent", "requestParameters", "responseElements", "requestID", "eventID", "readOnly", "eventType",
        "managementEvent", "recipientAccountId", "eventCategory"]
    assert started["userIdentity"] == {"type": "Root", "principalId": learner.id, "arn": f"arn:aws:iam::{learner.id}:root",
                                       "accountId": learner.id, "accessKeyId": learner.id}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", started["eventTime"])
    assert started["userAgent"].startswith("Boto3/")


def test_s3_bucket_calls_as_documented(learner):
    """S3 User Guide, "CloudTrail log file entries for Amazon S3": bucketName, Host, the query
    subresource ("versioning": ""), additionalEventData; bucket policy written as JSON."""
    learner.logging_trail()
    s3 = learner.s3
    s3.get_bucket_versioning(Bucket=learner.bucket)
    policy = trail_policy(learner.bucket, learner.id)
    s3.put_bucket_policy(Bucket=learner.bucket, Policy=json.dumps(policy))
    records = learner.delivered()
    [versioning] = by_name(records, "GetBucketVersioning")
    params = versioning["requestParameters"]
    assert params["bucketName"] == learner.bucket and params["versioning"] == "" and params["Host"]
    assert versioning["responseElements"] is None and versioning["readOnly"] is True
    assert versioning["additionalEventData"]["SignatureVersion"] == "SigV4"
    assert versioning["resources"] == [{"accountId": learner.id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{learner.bucket}"}]
    [put_policy] = by_name(records, "PutBucketPolicy")
    assert put_policy["requestParameters"]["bucketPolicy"] == policy
    assert put_policy["requestParameters"]["policy"] == ""
    # CreateBucket (made before the trail existed) is in the event history.
    [created] = learner.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateBucket"}])["Events"]
    created = json.loads(created["CloudTrailEvent"])
    assert created["requestParameters"]["CreateBucketConfiguration"] == {
        "LocationConstraint": REGION, "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}
    assert created["requestParameters"]["bucketName"] == learner.bucket and created["responseElements"] is None


# ---- LookupEvents ---------------------------------------------------------------------------------


def test_lookup_events(learner):
    """Event history works without any trail (User Guide, "Working with CloudTrail Event history")."""
    s3 = learner.s3
    for i in range(3):
        s3.create_bucket(Bucket=f"{learner.id}-lookup-{i}", CreateBucketConfiguration={"LocationConstraint": REGION})
    ct = learner.ct
    found = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateBucket"}])["Events"]
    assert [e["Resources"][0]["ResourceName"] for e in found] == [f"{learner.id}-lookup-{i}" for i in (2, 1, 0)]
    first = found[0]
    assert first["EventSource"] == "s3.amazonaws.com" and first["ReadOnly"] == "false" and first["Username"] == "root"
    assert json.loads(first["CloudTrailEvent"])["eventID"] == first["EventId"]
    page = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateBucket"}], MaxResults=2)
    rest = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateBucket"}],
                            MaxResults=2, NextToken=page["NextToken"])
    assert [e["EventId"] for e in page["Events"] + rest["Events"]] == [e["EventId"] for e in found]
    assert "NextToken" not in rest
    by_resource = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": f"{learner.id}-lookup-1"}])
    assert [e["EventName"] for e in by_resource["Events"]] == ["CreateBucket"]
    assert error_of(ct.lookup_events, MaxResults=51) == (
        "InvalidMaxResultsException", "A max results value of 51 is invalid. Specify max results between 1 and 50.")
    assert error_of(ct.lookup_events, LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "Username", "AttributeValue": "b"}])[0] \
        == "InvalidLookupAttributesException"


# ---- EventBridge ------------------------------------------------------------------------------------


def test_eventbridge_rule_on_detail_event_name(learner):
    """A rule on the default bus matching "AWS API Call via CloudTrail" by detail.eventName gets the
    record as detail; List/Get/Describe calls are not sent (EventBridge User Guide)."""
    account = learner.account
    sqs, events = account.client("sqs"), account.client("events")
    url = sqs.create_queue(QueueName="api-calls")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = events.put_rule(Name="tagging", EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": ["PutBucketTagging", "GetBucketTagging"]}}))["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_targets(Rule="tagging", Targets=[{"Id": "q", "Arn": arn}])
    s3 = learner.s3
    learner.log_bucket()
    s3.put_bucket_tagging(Bucket=learner.bucket, Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    learner.flush()  # every call so far is processed
    assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")  # no trail: no event
    learner.ct.create_trail(Name="my-trail", S3BucketName=learner.bucket)
    learner.ct.start_logging(Name="my-trail")
    s3.put_bucket_tagging(Bucket=learner.bucket, Tagging={"TagSet": [{"Key": "b", "Value": "2"}]})
    s3.get_bucket_tagging(Bucket=learner.bucket)
    learner.flush()
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [b["detail"]["eventName"] for b in bodies] == ["PutBucketTagging"]
    event = bodies[0]
    assert event["detail-type"] == "AWS API Call via CloudTrail" and event["source"] == "aws.s3"
    assert event["account"] == learner.id and event["region"] == REGION and event["resources"] == []
    assert event["detail"]["requestParameters"]["bucketName"] == learner.bucket
    assert event["detail"]["eventCategory"] == "Management"


# ---- what is recorded ----------------------------------------------------------------------------


def test_grader_calls_are_left_out_probes_are_recorded(learner):
    """The grader inspects with the learner's credentials; its calls must not fill the trail."""
    grader = Env(learner.account, {})
    learner.s3.list_buckets()
    grader.client("s3").list_buckets()
    grader.client("s3").list_buckets()
    grader.probe_client("s3").list_buckets()
    found = learner.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListBuckets"}])
    agents = [json.loads(e["CloudTrailEvent"])["userAgent"] for e in found["Events"]]
    assert len(agents) == 2 and not any("awslab-grader" in a for a in agents)


def test_reset_clears_trails_and_history(learner):
    learner.logging_trail()
    learner.s3.list_buckets()
    learner.emulator.reset_account(learner.id)
    assert learner.ct.describe_trails()["trailList"] == []
    assert learner.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListBuckets"}])["Events"] == []
    assert learner.flush() == []


def test_multi_region_trail_files_per_region_and_global_events(learner):
    account = learner.account
    learner.logging_trail(IsMultiRegionTrail=True)
    west = account.session().client("sqs", region_name="us-west-2", endpoint_url=account.endpoint)
    west.create_queue(QueueName="west-queue")
    account.client("iam").create_user(UserName="alice")
    learner.delivered()
    keys = [o["Key"] for o in learner.s3.list_objects_v2(Bucket=learner.bucket)["Contents"]]
    assert {re.fullmatch(KEY_RE, k).group(2) for k in keys} == {REGION, "us-west-2", "us-east-1"}
    assert [r["eventName"] for r in learner.delivered("us-west-2")] == ["CreateQueue"]
    assert [r["eventName"] for r in learner.delivered("us-east-1")] == ["CreateUser"]


def test_user_identity_of_iam_user_and_assumed_role(learner):
    """userIdentity as in the User Guide's "CloudTrail userIdentity element" examples: IAMUser with
    userName; AssumedRole with sessionContext.sessionIssuer (identity plugin)."""
    import boto3

    account = learner.account
    learner.logging_trail()
    iam = account.client("iam")
    iam.create_user(UserName="Alice")
    # IAM decides every call (authz plugin): Alice and the role need a policy, as on AWS.
    s3_reads = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "*"}]})
    iam.put_user_policy(UserName="Alice", PolicyName="s3-reads", PolicyDocument=s3_reads)
    key = iam.create_access_key(UserName="Alice")["AccessKey"]
    alice = boto3.session.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                                  region_name=REGION)
    alice.client("s3", endpoint_url=account.endpoint).list_buckets()
    # Bob assumes the role (AWS refuses AssumeRole to the root user); the trust policy names him.
    bob = iam.create_user(UserName="Bob")["User"]["Arn"]
    bob_key = iam.create_access_key(UserName="Bob")["AccessKey"]
    role = iam.create_role(RoleName="Auditor", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": bob},
                                                "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName="Auditor", PolicyName="s3-reads", PolicyDocument=s3_reads)
    creds = boto3.session.Session(aws_access_key_id=bob_key["AccessKeyId"], aws_secret_access_key=bob_key["SecretAccessKey"],
                                  region_name=REGION).client("sts", endpoint_url=account.endpoint).assume_role(
        RoleArn=role["Arn"], RoleSessionName="audit-session")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=REGION)
    session.client("s3", endpoint_url=account.endpoint).get_bucket_location(Bucket=learner.bucket)
    records = learner.delivered()
    [listed] = by_name(records, "ListBuckets")
    assert listed["userIdentity"]["type"] == "IAMUser" and listed["userIdentity"]["userName"] == "Alice"
    assert listed["userIdentity"]["arn"] == f"arn:aws:iam::{learner.id}:user/Alice"
    assert listed["userIdentity"]["accessKeyId"] == key["AccessKeyId"]
    [located] = by_name(records, "GetBucketLocation")
    who = located["userIdentity"]
    assert who["type"] == "AssumedRole" and who["arn"].endswith(":assumed-role/Auditor/audit-session")
    assert who["sessionContext"]["sessionIssuer"]["userName"] == "Auditor"
    [assumed] = by_name(records, "AssumeRole")
    assert "secretAccessKey" not in json.dumps(assumed["responseElements"])  # no secrets in trails
    assert assumed["responseElements"]["credentials"]["accessKeyId"] == creds["AccessKeyId"]
    found = learner.ct.lookup_events(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "Alice"}])
    assert [e["EventName"] for e in found["Events"]] == ["ListBuckets"]


def test_sns_notification_of_delivered_files(learner):
    """User Guide, "Configuring Amazon SNS notifications for CloudTrail": the topic policy must let
    CloudTrail publish; the message is {"s3Bucket": ..., "s3ObjectKey": [...]}."""
    account = learner.account
    sns, sqs = account.client("sns"), account.client("sqs")
    topic = sns.create_topic(Name="trail-files")["TopicArn"]
    learner.log_bucket()
    code, message = error_of(learner.ct.create_trail, Name="my-trail", S3BucketName=learner.bucket, SnsTopicName="trail-files")
    assert code == "InsufficientSnsTopicPolicyException"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "AWSCloudTrailSNSPolicy", "Effect": "Allow",
                                                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "SNS:Publish", "Resource": topic}]}))
    url = sqs.create_queue(QueueName="trail-files")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    trail = learner.ct.create_trail(Name="my-trail", S3BucketName=learner.bucket, SnsTopicName="trail-files")
    assert trail["SnsTopicARN"] == topic
    learner.ct.start_logging(Name="my-trail")
    learner.delivered()
    keys = [o["Key"] for o in learner.s3.list_objects_v2(Bucket=learner.bucket)["Contents"]]
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    notes = [json.loads(m["Body"]) for m in messages]
    assert notes and all(n["s3Bucket"] == learner.bucket for n in notes)
    assert sorted(k for n in notes for k in n["s3ObjectKey"]) == sorted(keys)
    assert "LatestNotificationTime" in learner.ct.get_trail_status(Name="my-trail")
