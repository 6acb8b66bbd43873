"""Wrong: the bucket policy admits an endpoint id that is not the lab's endpoint, so the private
instance is denied too."""

from _common import arns, bucket_policy

EXPECT = {"bucket-policy-requires-endpoint": "could not list"}


def build(learner):
    learner.solve()
    bucket_policy(learner, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": arns(learner),
                            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}})
