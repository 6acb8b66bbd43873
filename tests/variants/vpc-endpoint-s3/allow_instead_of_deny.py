"""Wrong: the bucket policy only allows requests through the endpoint; without a Deny, the role's
own S3 permission still lets the public instance and the host list the bucket."""

from _common import arns, bucket_policy, endpoint_and_vpc

EXPECT = {"bucket-policy-requires-endpoint": "could still list"}


def build(learner):
    learner.solve()
    endpoint, _ = endpoint_and_vpc(learner)
    bucket_policy(learner, {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": arns(learner),
                            "Condition": {"StringEquals": {"aws:SourceVpce": endpoint}}})
