"""s3-sqs-notification: partial solutions earn partial points, every correct way passes, and the
messages tell the learner what is wrong. Real emulator; each test has its own account."""

import json

import pytest
from botocore.exceptions import ClientError

from grader import engine
from grader.check import CheckContext
from grader import scenario as scenarios

SC = scenarios.get("s3-sqs-notification")


@pytest.fixture
def env(account):
    names = SC.render_names(account.account_id)
    s3 = account.client("s3")
    sqs = account.client("sqs")

    class Learner:
        pass

    learner = Learner()
    learner.names, learner.s3, learner.sqs, learner.account = names, s3, sqs, account
    return learner


def grade(env):
    result = engine.grade(SC, env.account, "en")
    return result, {c.id: c for c in result.checks}


def make_bucket(env):
    env.s3.create_bucket(Bucket=env.names["bucket"],
                         CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"})


def make_queue(env):
    url = env.sqs.create_queue(QueueName=env.names["queue"])["QueueUrl"]
    arn = env.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def set_policy(env, url, statement):
    env.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]})})


def notify(env, arn, events=("s3:ObjectCreated:*",), name="SQS-Event", **extra):
    env.s3.put_bucket_notification_configuration(Bucket=env.names["bucket"], NotificationConfiguration={
        "QueueConfigurations": [{"Id": name, "QueueArn": arn, "Events": list(events), **extra}]})


def service_statement(env, arn, condition):
    return {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": arn, "Condition": condition}


def admit_bucket(env, url, arn):
    """The S3 User Guide's queue policy: S3 may send on behalf of this bucket only."""
    set_policy(env, url, service_statement(env, arn, {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{env.names['bucket']}"}}))


def bucket_and_admitting_queue(env):
    make_bucket(env)
    url, arn = make_queue(env)
    admit_bucket(env, url, arn)
    return url, arn


def test_bucket_and_queue_only(env):
    make_bucket(env)
    make_queue(env)
    result, c = grade(env)
    assert result.score == 2
    assert c["queue-policy-allows-s3"].status == "fail"
    assert "has no access policy" in c["queue-policy-allows-s3"].message
    assert c["notification-targets-queue"].message.endswith("has no event notification to an SQS queue.")
    assert c["upload-notifies-queue"].status == "skipped"


def test_notification_before_policy_fails_as_on_aws(env):
    make_bucket(env)
    url, arn = make_queue(env)
    with pytest.raises(ClientError) as err:
        notify(env, arn)
    error = err.value.response["Error"]
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert "do not allow S3 to publish notifications" in error["ArgumentValue"]
    result, c = grade(env)
    assert c["notification-targets-queue"].status == "fail"


def test_bucket_in_another_region(env):
    us_east = env.account.session().client("s3", region_name="us-east-1", endpoint_url=env.account.endpoint)
    us_east.create_bucket(Bucket=env.names["bucket"])
    url, arn = make_queue(env)
    admit_bucket(env, url, arn)
    with pytest.raises(ClientError, match="The notification destination service region is not valid"):
        notify(env, arn)
    _, c = grade(env)
    assert c["bucket-exists"].status == "fail"
    assert "is in us-east-1, but this task is in ap-northeast-1" in c["bucket-exists"].message


def test_policy_without_source_condition_is_named(env):
    make_bucket(env)
    url, arn = make_queue(env)
    set_policy(env, url, {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn})
    notify(env, arn)
    result, c = grade(env)
    assert c["queue-policy-allows-s3"].status == "pass"
    assert c["queue-policy-restricts-source"].status == "fail"
    assert "allows every bucket" in c["queue-policy-restricts-source"].message
    assert "add a SourceArn condition" in c["queue-policy-restricts-source"].message
    assert result.score == result.max_score - 2


def test_source_account_alone_admits_other_buckets(env):
    make_bucket(env)
    url, arn = make_queue(env)
    set_policy(env, url, service_statement(env, arn, {"StringEquals": {"aws:SourceAccount": env.account.account_id}}))
    _, c = grade(env)
    assert c["queue-policy-restricts-source"].status == "fail"


def test_documented_service_principal_policy_passes(env):
    make_bucket(env)
    url, arn = make_queue(env)
    set_policy(env, url, service_statement(env, arn, {
        "ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{env.names['bucket']}"},
        "StringEquals": {"aws:SourceAccount": env.account.account_id}}))
    notify(env, arn, events=("s3:ObjectCreated:Put",))
    result, _ = grade(env)
    assert result.passed, [(x.id, x.message) for x in result.checks if x.status != "pass"]


def test_policy_for_another_bucket_is_refused(env):
    make_bucket(env)
    url, arn = make_queue(env)
    set_policy(env, url, service_statement(env, arn, {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::other"}}))
    _, c = grade(env)
    assert c["queue-policy-allows-s3"].status == "fail"
    assert "does not allow s3.amazonaws.com" in c["queue-policy-allows-s3"].message


def test_wrong_events_and_name(env):
    url, arn = bucket_and_admitting_queue(env)
    notify(env, arn, events=("s3:ObjectRemoved:*",), name="something")
    _, c = grade(env)
    assert c["notification-targets-queue"].status == "fail"
    assert "does not include s3:ObjectCreated:Put" in c["notification-targets-queue"].message
    assert c["notification-named"].status == "skipped"


def test_other_name_costs_only_that_check(env):
    out = _solve(env, notification="MyEvent")
    assert out.returncode == 0, out.stderr
    result, c = grade(env)
    assert [x.id for x in result.checks if x.status != "pass"] == ["notification-named"]
    assert "named MyEvent, not SQS-Event" in c["notification-named"].message


def test_filtered_notification_still_passes_the_flow(env):
    # a filter that still admits the task's file (hane.jpg): the probe follows the filter
    url, arn = bucket_and_admitting_queue(env)
    notify(env, arn, Filter={"Key": {"FilterRules": [{"Name": "prefix", "Value": "ha"},
                                                      {"Name": "suffix", "Value": ".jpg"}]}})
    result, c = grade(env)
    assert c["upload-notifies-queue"].status == "pass", c["upload-notifies-queue"].message
    assert result.passed


def test_a_filter_that_excludes_the_tasks_file_is_named(env):
    url, arn = bucket_and_admitting_queue(env)
    notify(env, arn, Filter={"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"}]}})
    result, c = grade(env)
    assert c["notification-targets-queue"].status == "fail"
    assert "the filter prefix 'images/'" in c["notification-targets-queue"].message
    assert "hane.jpg" in c["notification-targets-queue"].message


def test_flow_leaves_the_learners_messages_and_objects_alone(env):
    out = _solve(env)
    assert out.returncode == 0, out.stderr
    env.s3.put_object(Bucket=env.names["bucket"], Key="hane.jpg", Body=b"jpeg")
    url = env.sqs.get_queue_url(QueueName=env.names["queue"])["QueueUrl"]
    # S3 delivers the notification asynchronously: wait for it, so `before` holds the learner's message
    before = CheckContext.wait_for(lambda: [b for b in _bodies(env, url) if "hane.jpg" in b] and _bodies(env, url),
                                   timeout=10)
    assert before, "the learner's own upload was never notified"
    result, _ = grade(env)
    assert result.passed
    assert _bodies(env, url) == before  # probe messages removed, nothing received or lost
    keys = [o["Key"] for o in env.s3.list_objects_v2(Bucket=env.names["bucket"]).get("Contents", [])]
    assert keys == ["hane.jpg"]
    received = env.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in received} == {"1"}


def test_probe_deletion_message_is_removed_too(env):
    url, arn = bucket_and_admitting_queue(env)
    notify(env, arn, events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"))
    before = _bodies(env, url)
    result, _ = grade(env)
    assert result.passed
    assert _bodies(env, url) == before


def test_deleted_test_event_is_reported(env):
    out = _solve(env)
    assert out.returncode == 0, out.stderr
    url = env.sqs.get_queue_url(QueueName=env.names["queue"])["QueueUrl"]
    for m in env.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        env.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    result, c = grade(env)
    assert [x.id for x in result.checks if x.status != "pass"] == ["test-event-delivered"]
    assert "No s3:TestEvent message" in c["test-event-delivered"].message


def test_ja_messages(env):
    result = engine.grade(SC, env.account, "ja")
    assert "バケット" in result.checks[0].message


def _solve(env, **overrides):
    from .conftest import run_cli

    if overrides:
        import os
        import subprocess
        import sys
        names = {**env.names, **overrides}
        args = [sys.executable, str(SC.solution_path)]
        for k, v in names.items():
            args += [f"--{k}", v]
        return subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env.account.env()})
    return run_cli("solve", SC.id, "--account", env.account.account_id)


def _bodies(env, url):
    from sandbox.emulator import EmulatorClient

    messages = EmulatorClient(env.account.endpoint).peek_messages(
        env.account.account_id, "ap-northeast-1", env.names["queue"])
    return sorted(m["Body"] for m in messages)


def test_a_test_event_older_than_the_journal_is_asked_for_again(env, monkeypatch):
    # The journal keeps the newest 5000 hops per account: when S3's delivery of the learner's
    # s3:TestEvent is no longer among them, the grader has S3 send a new one and watches it.
    from sandbox.emulator import EmulatorClient

    out = _solve(env)
    assert out.returncode == 0, out.stderr
    url = env.sqs.get_queue_url(QueueName=env.names["queue"])["QueueUrl"]
    CheckContext.wait_for(lambda: "s3:TestEvent" in "".join(_bodies(env, url)), timeout=10)
    before = _bodies(env, url)
    forgotten = EmulatorClient.for_account(env.account).journal_position(env.account.account_id)
    journal = EmulatorClient.journal
    monkeypatch.setattr(EmulatorClient, "journal", lambda self, account, since=0, **kw: [
        e for e in journal(self, account, since, **kw) if e["seq"] > forgotten])
    result, c = grade(env)
    assert c["test-event-delivered"].status == "pass", c["test-event-delivered"].message
    assert result.passed
    assert _bodies(env, url) == before  # the new test message was removed again
