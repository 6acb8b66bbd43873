"""Wrong: the bucket policy lets anyone read the objects, so the signed URLs protect nothing."""

from _common import bucket_policy, objects

EXPECT = {"bucket-policy-only-oai": "", "s3-not-public": ""}


def build(learner):
    learner.solve()
    bucket_policy(learner, {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects(learner)})
