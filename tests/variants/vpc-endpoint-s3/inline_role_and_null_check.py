"""Correct, unlike the reference: the role's permission is an inline policy (ListBucket and
GetObject on this bucket only) instead of AmazonS3ReadOnlyAccess, and the bucket policy denies
with two statements: requests with no endpoint at all (Null) and through another endpoint."""

import json

from _common import arns, bucket_policy, endpoint_and_vpc

EXPECT = "full"


def build(learner):
    learner.solve()
    iam, role = learner.client("iam"), learner.names["role"]
    iam.detach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    iam.put_role_policy(RoleName=role, PolicyName="read-the-bucket", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
                                                "Resource": arns(learner)}]}))
    endpoint, _ = endpoint_and_vpc(learner)
    bucket_policy(learner,
                  {"Sid": "no-endpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": arns(learner),
                   "Condition": {"Null": {"aws:SourceVpce": "true"}}},
                  {"Sid": "other-endpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                   "Resource": arns(learner), "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint}}})
