"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""

import json
import time

from tests.lambda_functions import zip_source

DETAIL_HANDLER = '''import os
import boto3

def lambda_handler(event, context):
    if event["detail"]["state"] == "stopped":
        boto3.client("ec2").start_instances(InstanceIds=[os.environ["INSTANCE_ID"]])
'''


def instance(learner) -> tuple[str, str]:
    found = learner.client("ec2").describe_instances(
        Filters=[{"Name": "tag:Name", "Values": [learner.names["instance"]]}])["Reservations"][0]["Instances"][0]
    iid = found["InstanceId"]
    return iid, f"arn:aws:ec2:{learner.region}:{learner.account_id}:instance/{iid}"


def start_policy(instance_arn: str) -> list[dict]:
    return [{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": instance_arn},
            {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]


def rule(learner, name: str, pattern: dict, target: dict) -> str:
    events = learner.client("events")
    arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")["RuleArn"]
    events.put_targets(Rule=name, Targets=[target])
    return arn


def stop_pattern(iid: str) -> dict:
    return {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["stopped"], "instance-id": [iid]}}


def permit(learner, rule_arn: str, **qualifier) -> None:
    """EventBridge may invoke the function (or, with Qualifier=..., that alias or version) for the rule."""
    learner.client("lambda").add_permission(
        FunctionName=learner.names["function"], StatementId="events", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=rule_arn, **qualifier)


PRINT_HANDLER = '''def lambda_handler(event, context):
    print("stopped:", event)
'''


def only_print(learner) -> None:
    """The reference build, with a function that does nothing but log the event."""
    learner.solve()
    lam = learner.client("lambda")
    lam.update_function_code(FunctionName=learner.names["function"], ZipFile=zip_source(PRINT_HANDLER))
    lam.get_waiter("function_updated_v2").wait(FunctionName=learner.names["function"],
                                               WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def restart_loop(ec2, iid: str, stop) -> None:
    """A learner's own script: start the instance whenever it is stopped, until told to stop."""
    while not stop.is_set():
        state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]
        if state == "stopped":
            ec2.start_instances(InstanceIds=[iid])
        time.sleep(0.1)
