"""Reference solution of eventbridge-ec2-restart, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), and is safe to run twice.

    python solution.py [--instance TestInstance] [--role Lambda-Execute-Instance] [--function MyFunctionEC2]
"""

import argparse
import io
import json
import time
import zipfile

import boto3
from botocore.exceptions import ClientError

RULE = "MyFunctionEC2-instance-stopped"

# The blog's handler (its first line's "iimport" typo fixed), also accepting the event itself:
# with the rule's constant input {"Action": "Stop"} or with the state-change event's detail.state.
HANDLER = '''import os

import boto3

instances = [os.environ["INSTANCE_ID"]]


def lambda_handler(event, context):
    ec2 = boto3.client("ec2")
    action = event.get("Action")
    if action is None and event.get("detail", {}).get("state") == "stopped":
        action = "Stop"

    state = ec2.describe_instances(InstanceIds=instances)["Reservations"][0]["Instances"][0]["State"]["Name"]
    if action == "Stop" and state == "stopped":
        ec2.start_instances(InstanceIds=instances)
        print("started instance " + instances[0])
    else:
        print("nothing to do (action %s, state %s)" % (action, state))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="TestInstance", help="Name tag of the instance to keep running")
    parser.add_argument("--role", default="Lambda-Execute-Instance")
    parser.add_argument("--function", default="MyFunctionEC2")
    args = parser.parse_args()

    session = boto3.session.Session()
    region = session.region_name or "ap-northeast-1"
    ec2 = session.client("ec2", region_name=region)
    iam = session.client("iam", region_name=region)
    lam = session.client("lambda", region_name=region)
    events = session.client("events", region_name=region)

    # 1. The instance launched by `awslab start`.
    reservations = ec2.describe_instances(Filters=[
        {"Name": "tag:Name", "Values": [args.instance]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
    ])["Reservations"]
    instance_id = reservations[0]["Instances"][0]["InstanceId"]
    print(f"instance {instance_id}")

    # 2. The role: Lambda may assume it; AmazonEC2FullAccess as in the blog, plus the basic
    #    execution policy so that the function can write its logs.
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role_arn = iam.create_role(RoleName=args.role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role_arn = iam.get_role(RoleName=args.role)["Role"]["Arn"]
    for policy in ("AmazonEC2FullAccess", "service-role/AWSLambdaBasicExecutionRole"):
        iam.attach_role_policy(RoleName=args.role, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    print(f"role {role_arn}")

    # 3. The function (python3.12: the blog's python3.9 is deprecated).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    settings = dict(Runtime="python3.12", Role=role_arn, Handler="lambda_function.lambda_handler",
                    Timeout=10, Environment={"Variables": {"INSTANCE_ID": instance_id}})
    try:
        function_arn = _create_function(lam, args.function, buffer.getvalue(), settings)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceConflictException":
            raise
        lam.update_function_code(FunctionName=args.function, ZipFile=buffer.getvalue())
        lam.get_waiter("function_updated_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
        function_arn = lam.update_function_configuration(FunctionName=args.function, **settings)["FunctionArn"]
        lam.get_waiter("function_updated_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
    lam.get_waiter("function_active_v2").wait(FunctionName=args.function, WaiterConfig={"Delay": 1})
    print(f"function {function_arn}")

    # 4. The rule: this instance entered the stopped state; the function gets {"Action": "Stop"}.
    pattern = {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["stopped"], "instance-id": [instance_id]},
    }
    rule_arn = events.put_rule(Name=RULE, EventPattern=json.dumps(pattern), State="ENABLED")["RuleArn"]
    events.put_targets(Rule=RULE, Targets=[{"Id": "MyFunctionEC2", "Arn": function_arn,
                                            "Input": json.dumps({"Action": "Stop"})}])
    print(f"rule {rule_arn}")

    # 5. EventBridge may invoke the function for this rule (the console adds this by itself).
    try:
        lam.add_permission(FunctionName=args.function, StatementId="events-invoke-" + RULE,
                           Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule_arn)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceConflictException":
            raise
    print("permission for events.amazonaws.com added")


def _create_function(lam, name, code, settings):
    # A role just created can take a few seconds before Lambda may assume it (on AWS).
    for attempt in range(10):
        try:
            return lam.create_function(FunctionName=name, Code={"ZipFile": code}, **settings)["FunctionArn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "InvalidParameterValueException" or attempt == 9:
                raise
            time.sleep(2)


if __name__ == "__main__":
    main()
