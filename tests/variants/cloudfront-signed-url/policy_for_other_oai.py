"""Wrong: the bucket policy grants an origin access identity the distribution does not use."""

from _common import bucket_policy, objects

EXPECT = {"bucket-policy-grants-oai": "does not let any origin access identity"}


def build(learner):
    learner.solve()
    bucket_policy(learner, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects(learner), "Principal": {
        "AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHEXAMPLE"}})
