"""Correct, unlike the reference: the bucket policy names the origin access identity by its S3
canonical user id instead of its ARN."""

from _common import bucket_policy, oai, objects

EXPECT = "full"


def build(learner):
    learner.solve()
    bucket_policy(learner, {"Sid": "oai", "Effect": "Allow", "Principal": {"CanonicalUser": oai(learner)["S3CanonicalUserId"]},
                            "Action": "s3:GetObject", "Resource": objects(learner)})
