"""Correct, unlike the reference: the target is a numbered version's ARN with its own permission
(SourceAccount and SourceArn), an InputTransformer hands the function only the state and the
instance id, and the handler starts whatever instance the event names."""

import json

from _common import instance, permit, rule, start_policy

EXPECT = "full"

HANDLER = '''import boto3

def lambda_handler(event, context):
    if event["state"] == "stopped":
        boto3.client("ec2").start_instances(InstanceIds=[event["instance"]])
    return event
'''


def build(learner):
    iid, instance_arn = instance(learner)
    role = learner.role(learner.names["role"], start_policy(instance_arn))
    lam = learner.client("lambda")
    learner.function(learner.names["function"], role, HANDLER, {"INSTANCE_ID": iid})
    version = lam.publish_version(FunctionName=learner.names["function"])
    pattern = {"detail-type": ["EC2 Instance State-change Notification"], "source": ["aws.ec2"],
               "detail": {"instance-id": [iid], "state": [{"anything-but": ["pending", "running", "stopping",
                                                                            "shutting-down", "terminated"]}]}}
    target = {"Id": "v", "Arn": version["FunctionArn"], "InputTransformer": {
        "InputPathsMap": {"state": "$.detail.state", "instance": "$.detail.instance-id"},
        "InputTemplate": json.dumps({"state": "<state>", "instance": "<instance>"})}}
    rule_arn = rule(learner, "stopped-instance", pattern, target)
    permit(learner, rule_arn, Qualifier=version["Version"], SourceAccount=learner.account_id)
