"""Wrong (gaming): the reference build with a function that only prints, and a loop of the
learner's own that assumes the function's role (its trust policy also admits the account; as on
AWS the root user may not assume roles, so an IAM user with sts:AssumeRole does it) with
the function's name as session name, so its StartInstances shows the same caller ARN as the
function's would. The journal still tells them apart: the call does not carry the key of a run
the rule invoked."""

import json

import boto3
from _common import instance, only_print, restart_loop

EXPECT = {"stop-restarts-instance": "started again by assumed-role/"}
USER_KEYS = {}


def build(learner):
    only_print(learner)
    learner.client("iam").update_assume_role_policy(RoleName=learner.names["role"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{learner.account_id}:root"},
             "Action": "sts:AssumeRole"}]}))
    iam = learner.client("iam")
    iam.create_user(UserName="restarter")
    iam.put_user_policy(UserName="restarter", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    USER_KEYS.update(iam.create_access_key(UserName="restarter")["AccessKey"])


def background(learner, stop):
    role = learner.client("iam").get_role(RoleName=learner.names["role"])["Role"]["Arn"]
    sts = boto3.client("sts", endpoint_url=learner.account.endpoint, region_name=learner.region,
                       aws_access_key_id=USER_KEYS["AccessKeyId"], aws_secret_access_key=USER_KEYS["SecretAccessKey"])
    keys = sts.assume_role(RoleArn=role, RoleSessionName=learner.names["function"])["Credentials"]
    ec2 = boto3.client("ec2", endpoint_url=learner.account.endpoint, region_name=learner.region,
                       aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                       aws_session_token=keys["SessionToken"])
    restart_loop(ec2, instance(learner)[0], stop)
