"""cloudtrail-athena: partial solutions lose the right points with messages that name the broken
hop, and other correct ways (advanced event selectors) pass. Real emulator; one account per test."""

import json

import pytest

from grader import engine
from grader import scenario as scenarios
from grader.aws import athena_run
from grader.check import Env
from sandbox.emulator import EmulatorClient
from tests import cloudtrail_sample

SC = scenarios.get("cloudtrail-athena")


def grade(account):
    result = engine.grade(SC, account, "en")
    return {c.id: c for c in result.checks}


@pytest.fixture
def lab(account, emulator):
    """The account after `awslab start`, with the log bucket, its policy and a trail (not logging)."""
    EmulatorClient(emulator.endpoint).reset_account(account.account_id)
    names = SC.render_names(account.account_id)
    SC.setup(Env(account, names))
    s3, cloudtrail = account.client("s3"), account.client("cloudtrail")
    for bucket in (names["log_bucket"], names["bucket"], names["results_bucket"]):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region})
    trail_arn = f"arn:aws:cloudtrail:{account.region}:{account.account_id}:trail/{names['trail']}"
    s3.put_bucket_policy(Bucket=names["log_bucket"], Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": f"arn:aws:s3:::{names['log_bucket']}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": f"arn:aws:s3:::{names['log_bucket']}/AWSLogs/{account.account_id}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}}]}))
    cloudtrail.create_trail(Name=names["trail"], S3BucketName=names["log_bucket"])
    return account, names


def make_table(account, names, location):
    """The reference solution's table (the console's DDL) over `location`."""
    ddl = cloudtrail_sample.console_ddl(names["table"], names["log_bucket"], account.account_id)
    ddl = ddl.replace(f"s3://{names['log_bucket']}/AWSLogs/{account.account_id}/CloudTrail/", location)
    result = athena_run(account.client("athena"), ddl, f"s3://{names['results_bucket']}/")
    assert result["state"] == "SUCCEEDED", result["reason"]


def test_management_events_only_is_named_as_the_broken_hop(lab):
    account, names = lab
    account.client("cloudtrail").start_logging(Name=names["trail"])
    account.client("s3").put_object(Bucket=names["bucket"], Key="hane.jpg", Body=b"x")
    make_table(account, names, f"s3://{names['log_bucket']}/AWSLogs/{account.account_id}/CloudTrail/")
    checks = grade(account)
    assert checks["trail-exists"].status == "pass"
    assert checks["log-bucket-policy"].status == "pass"
    assert checks["trail-is-logging"].status == "pass"
    assert checks["table-reads-the-trail"].status == "pass"
    assert checks["trail-records-s3-data-events"].status == "fail"
    assert "records no S3 data events" in checks["trail-records-s3-data-events"].message
    assert checks["named-query-finds-upload"].status == "fail"
    assert checks["new-call-found-by-table"].status == "skipped"


def test_advanced_selectors_pass_and_a_wrong_location_is_explained(lab):
    account, names = lab
    cloudtrail = account.client("cloudtrail")
    cloudtrail.put_event_selectors(TrailName=names["trail"], AdvancedEventSelectors=[
        {"Name": "S3 data events", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    cloudtrail.start_logging(Name=names["trail"])
    account.client("s3").put_object(Bucket=names["bucket"], Key="hane.jpg", Body=b"x")
    make_table(account, names, f"s3://{names['log_bucket']}/somewhere-else/")
    checks = grade(account)
    assert checks["trail-records-s3-data-events"].status == "pass"
    assert "advanced selector" in checks["trail-records-s3-data-events"].message
    assert checks["table-reads-the-trail"].status == "fail"
    assert "somewhere-else" in checks["table-reads-the-trail"].message
    assert checks["log-files-delivered"].status == "pass"
    assert checks["new-call-found-by-table"].status == "skipped"
