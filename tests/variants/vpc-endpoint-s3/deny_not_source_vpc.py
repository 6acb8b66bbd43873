"""Correct, unlike the reference: the bucket policy denies every request whose aws:SourceVpc is
not the lab's VPC (a gateway endpoint is the only way into S3 from that VPC), on the bucket and
its objects, with a list of actions."""

from _common import arns, bucket_policy, endpoint_and_vpc

EXPECT = "full"


def build(learner):
    learner.solve()
    _, vpc = endpoint_and_vpc(learner)
    bucket_policy(learner, {"Sid": "only-from-the-vpc", "Effect": "Deny", "Principal": {"AWS": "*"},
                            "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject"], "Resource": arns(learner),
                            "Condition": {"StringNotEquals": {"aws:SourceVpc": vpc}}})
