"""Preconditions of cloudtrail-athena: the IAM user the learner works as (no access key yet: the
learner creates one, as an administrator hands out a user on AWS)."""

import json

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "cloudtrail:*", "athena:*", "glue:*"], "Resource": "*"}],
}


def setup(env):
    iam = env.client("iam")
    user = env.names["user"]
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="cloudtrail-athena-lab", PolicyDocument=json.dumps(POLICY))
