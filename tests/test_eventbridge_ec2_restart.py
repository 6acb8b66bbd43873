"""eventbridge-ec2-restart: the blog's way passes (python3.9 with a note), the other correct way
(reading detail.state) passes, and a learner's broken function fails the flow with a message that
names the broken hop. Real emulator, real Lambda (process executor), real EC2 events."""

import json

import pytest

from grader import engine
from grader import scenario as scenarios
from grader.check import Env
from sandbox.emulator import EmulatorClient
from sandbox.timeline import render

from .lambda_functions import zip_source

SC = scenarios.get("eventbridge-ec2-restart")

# The blog's handler, with its "iimport" typo fixed.
BLOG_HANDLER = """
import boto3
import os

# インスタンスID
instances = [os.environ['INSTANCE_ID']]

def lambda_handler(event, context):
    ec2 = boto3.client('ec2', region_name='ap-northeast-1')

    # インスタンスの状態変化を取得
    action = event["Action"]

    # インスタンスの状態を取得
    response = ec2.describe_instances(InstanceIds=instances)
    ec2_status = response['Reservations'][0]['Instances'][0]['State']['Name']

    # インスタンスが停止されたかを判定
    if action == "Stop":
        ec2.start_instances(InstanceIds=instances)
        print('インスタンスを開始: ' + str(instances[0]))
    else:
        print('インスタンスに対する処理を実行しない')
"""

DETAIL_HANDLER = """
import os
import boto3

def lambda_handler(event, context):
    if event["detail"]["state"] == "stopped":
        boto3.client("ec2").start_instances(InstanceIds=[os.environ["INSTANCE_ID"]])
"""


@pytest.fixture
def learner(account):
    env = Env(account, SC.render_names(account.account_id))
    SC.setup(env)
    reservations = env.client("ec2").describe_instances()["Reservations"]
    env.instance_id = reservations[0]["Instances"][0]["InstanceId"]
    return env


def build(env, handler=BLOG_HANDLER, runtime="python3.9", target_input='{"Action": "Stop"}', permission=True,
          states=("stopped",), policy="AmazonEC2FullAccess"):
    """What a learner following the blog builds (each argument one way to get it different)."""
    iam, lam, events = env.client("iam"), env.client("lambda"), env.client("events")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName=env.names["role"], AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=env.names["role"], PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    function_arn = lam.create_function(
        FunctionName=env.names["function"], Runtime=runtime, Role=role_arn, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_source(handler)}, Environment={"Variables": {"INSTANCE_ID": env.instance_id}},
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=env.names["function"],
                                              WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    pattern = {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
               "detail": {"state": list(states), "instance-id": [env.instance_id]}}
    rule_arn = events.put_rule(Name="ec2-stop", EventPattern=json.dumps(pattern))["RuleArn"]
    target = {"Id": "1", "Arn": function_arn, **({"Input": target_input} if target_input else {})}
    events.put_targets(Rule="ec2-stop", Targets=[target])
    if permission:
        lam.add_permission(FunctionName=env.names["function"], StatementId="eb", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com", SourceArn=rule_arn)


def grade(env):
    result = engine.grade(SC, env.account, "en")
    return result, {c.id: c for c in result.checks}


def test_the_blogs_way_passes_with_a_note_on_python39(learner):
    build(learner)
    result, c = grade(learner)
    assert result.passed, [(x.id, x.message) for x in result.checks if x.status != "pass"]
    assert "AWS deprecated python3.9 on 2025-12-15" in c["function-exists"].message
    assert "Input {\"Action\": \"Stop\"}" in c["rule-targets-function"].message
    assert "running again after" in c["stop-restarts-instance"].message
    # The learner's timeline tells the grader's stop from their own calls and the function's start.
    timeline = "\n".join(render(EmulatorClient(learner.account.endpoint).journal(learner.account_id), "en"))
    assert f"ec2 StopInstances {learner.instance_id} → HTTP 200 (by the grader)" in timeline
    assert f"StartInstances {learner.instance_id} → HTTP 200 (by assumed-role/Lambda-Execute-Instance/MyFunctionEC2)" in timeline
    state = learner.client("ec2").describe_instances(InstanceIds=[learner.instance_id])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"


def test_reading_the_event_instead_of_a_constant_input_passes(learner):
    build(learner, handler=DETAIL_HANDLER, runtime="python3.13", target_input=None)
    result, c = grade(learner)
    assert result.passed, [(x.id, x.message) for x in result.checks if x.status != "pass"]
    assert "deprecated" not in c["function-exists"].message
    assert "sends event to" in c["rule-targets-function"].message


def test_a_syntax_error_is_named_as_the_broken_hop(learner):
    build(learner, handler="iimport boto3\n" + BLOG_HANDLER)  # the blog's typo, as published
    result, c = grade(learner)
    flow = c["stop-restarts-instance"]
    assert flow.status == "fail"
    assert flow.message.startswith("The rule ec2-stop matched, but MyFunctionEC2 failed: Runtime.UserCodeSyntaxError")
    assert "line 1" in flow.message
    assert result.score == result.max_score - 4
    # The grader starts the instance it stopped again, so the learner's environment is as before.
    state = learner.client("ec2").describe_instances(InstanceIds=[learner.instance_id])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"


def test_the_blogs_handler_without_the_constant_input_is_explained(learner):
    build(learner, target_input=None)
    _, c = grade(learner)
    flow = c["stop-restarts-instance"]
    assert "MyFunctionEC2 failed: KeyError: 'Action'" in flow.message
    assert "constant input {\"Action\": \"Stop\"}" in flow.message


def test_a_function_that_does_not_start_the_instance(learner):
    build(learner, handler="def lambda_handler(event, context):\n    print('stopped!', event)\n")
    _, c = grade(learner)
    flow = c["stop-restarts-instance"]
    assert "ran without an error but did not call StartInstances" in flow.message
    assert "last log lines: stopped! {'Action': 'Stop'})." in flow.message  # the function's own output


def test_static_mistakes_are_named(learner):
    build(learner, states=("stopped", "running"), permission=False, policy="service-role/AWSLambdaBasicExecutionRole")
    result, c = grade(learner)
    assert "(AWSLambdaBasicExecutionRole) do not allow ec2:StartInstances" in c["role-can-start-instance"].message
    assert "also the instance entering the running state" in c["rule-matches-stop"].message
    assert c["rule-targets-function"].status == "skipped"
    assert c["stop-restarts-instance"].status == "skipped"
    learner.client("events").put_rule(Name="ec2-stop", State="DISABLED", EventPattern=json.dumps(
        {"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}))
    learner.memo.clear()
    _, c = grade(learner)
    assert "is disabled: aws events enable-rule --name ec2-stop" in c["rule-matches-stop"].message
    learner.client("events").enable_rule(Name="ec2-stop")
    _, c = grade(learner)
    assert "has no resource-based policy" in c["invoke-permission"].message
