"""EC2 state-change events (plugin ec2_events) against AWS's documented example, delivered the way a
learner receives them: an EventBridge rule on the default bus with an SQS target. Also the
eventbridge_rules fix (a disabled rule matches nothing). Real emulator."""

import json
import re
import time

from sandbox.emulator import EmulatorClient

from .test_plugins import _allow, _bodies, _queue

# Amazon EC2 User Guide, "State change events for Amazon EC2 instances"
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html),
# plus "version", which every EventBridge event carries (EventBridge User Guide, "Amazon EventBridge events").
AWS_EXAMPLE = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2021-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "pending"},
}
EC2_EVENTS = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]}


def _same_shape(example, actual, path="$"):
    """Same keys and value types, recursively (values naturally differ)."""
    assert type(actual) is type(example), f"{path}: {type(actual).__name__} instead of {type(example).__name__}"
    if isinstance(example, dict):
        assert set(actual) == set(example), f"{path}: keys {sorted(actual)} instead of {sorted(example)}"
        for key in example:
            _same_shape(example[key], actual[key], f"{path}.{key}")
    elif isinstance(example, list):
        for i, item in enumerate(actual):
            _same_shape(example[0], item, f"{path}[{i}]")


def _rule_to_queue(account, name="ec2-states", pattern=EC2_EVENTS, **rule_args):
    events = account.client("events")
    sqs, url, arn = _queue(account, name)
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern), **rule_args)["RuleArn"]
    _allow(sqs, url, arn, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return sqs, url


def _instance(account):
    ec2 = account.client("ec2")
    return ec2, ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


def _states(account, instance_id, since=0, expected=0, timeout=5.0):
    """The states of the instance's events put on the bus, in the order they were put (journal)."""
    client, deadline = EmulatorClient(account.endpoint), time.monotonic() + timeout
    while True:
        states = [e["detail"]["state"] for e in client.journal(account.account_id, since)
                  if e["hop"] == "event-put" and e.get("detail", {}).get("instance-id") == instance_id]
        if len(states) >= expected or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def test_events_have_the_documented_shape(account):
    sqs, url = _rule_to_queue(account)
    ec2, instance_id = _instance(account)
    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.start_instances(InstanceIds=[instance_id])
    ec2.terminate_instances(InstanceIds=[instance_id])

    bodies = _bodies(sqs, url, expected=8)
    assert sorted(b["detail"]["state"] for b in bodies) == sorted(
        ["pending", "running", "stopping", "stopped", "pending", "running", "shutting-down", "terminated"])
    for body in bodies:
        _same_shape(AWS_EXAMPLE, body)
        assert body["source"] == "aws.ec2" and body["detail-type"] == AWS_EXAMPLE["detail-type"]
        assert body["version"] == "0"
        assert body["account"] == account.account_id and body["region"] == account.region
        assert body["resources"] == [f"arn:aws:ec2:{account.region}:{account.account_id}:instance/{instance_id}"]
        assert body["detail"]["instance-id"] == instance_id
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["time"])
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", body["id"])
    assert len({b["id"] for b in bodies}) == 8
    # The transitional state is put on the bus before the final one, as the instance goes through them.
    assert _states(account, instance_id, expected=8) == [
        "pending", "running", "stopping", "stopped", "pending", "running", "shutting-down", "terminated"]


def test_calls_that_change_no_state_send_nothing(account):
    ec2, instance_id = _instance(account)
    _states(account, instance_id, expected=2)
    since = EmulatorClient(account.endpoint).journal_position(account.account_id)
    ec2.reboot_instances(InstanceIds=[instance_id])  # stays running
    ec2.start_instances(InstanceIds=[instance_id])  # already running
    ec2.stop_instances(InstanceIds=[instance_id])
    assert _states(account, instance_id, since, expected=2) == ["stopping", "stopped"]
    ec2.stop_instances(InstanceIds=[instance_id])  # already stopped
    try:
        ec2.stop_instances(InstanceIds=["i-0123456789abcdef0"])  # fails: no such instance
    except ec2.exceptions.ClientError as exc:
        assert "InvalidInstanceID" in str(exc)
    ec2.start_instances(InstanceIds=[instance_id])
    assert _states(account, instance_id, since, expected=4) == ["stopping", "stopped", "pending", "running"]


def test_only_the_instance_in_the_pattern_matches(account):
    ec2, watched = _instance(account)
    _, other = _instance(account)
    pattern = {**EC2_EVENTS, "detail": {"instance-id": [watched], "state": ["stopped"]}}
    sqs, url = _rule_to_queue(account, "watched-stop", pattern)
    ec2.stop_instances(InstanceIds=[other, watched])
    bodies = _bodies(sqs, url, expected=1)
    time.sleep(0.3)  # nothing else may follow
    bodies += _bodies(sqs, url, timeout=0.2)
    assert [(b["detail"]["instance-id"], b["detail"]["state"]) for b in bodies] == [(watched, "stopped")]


def test_internal_calls_send_nothing(account):
    """CloudFormation creates its instance through LocalStack's internal client."""
    cfn = account.client("cloudformation")
    template = {"Resources": {"I": {"Type": "AWS::EC2::Instance",
                                    "Properties": {"ImageId": "ami-12345678", "InstanceType": "t2.micro"}}}}
    cfn.create_stack(StackName="internal", TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_create_complete").wait(StackName="internal", WaiterConfig={"Delay": 0.2})
    ec2 = account.client("ec2")
    [reservation] = ec2.describe_instances()["Reservations"]
    assert reservation["Instances"][0]["State"]["Name"] == "running"
    time.sleep(0.3)  # events are put off the request path: give them the time they would need
    assert [e for e in EmulatorClient(account.endpoint).journal(account.account_id)
            if e["hop"] in ("event-put", "api-call") and e.get("service", "ec2") == "ec2"] == []


def test_a_disabled_rule_matches_nothing(account):
    sqs, url = _rule_to_queue(account, "off", State="DISABLED")
    ec2, instance_id = _instance(account)
    _states(account, instance_id, expected=2)
    time.sleep(0.3)
    assert _bodies(sqs, url, timeout=0.2) == []
    account.client("events").enable_rule(Name="off")
    ec2.stop_instances(InstanceIds=[instance_id])
    assert {b["detail"]["state"] for b in _bodies(sqs, url, expected=2)} == {"stopping", "stopped"}
    hops = [(e["hop"], e.get("reason")) for e in EmulatorClient(account.endpoint).journal(account.account_id)
            if e.get("rule") == "off" and e["hop"].startswith("rule-")]
    assert hops[:2] == [("rule-not-matched", "disabled")] * 2
    assert hops[2:] == [("rule-matched", None)] * 2
