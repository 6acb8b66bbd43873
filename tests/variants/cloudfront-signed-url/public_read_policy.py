"""Wrong: the bucket policy lets anyone read the objects, not only the OAI. (Block Public Access,
left on as S3 sets it, keeps the object itself from being public, so s3-not-public still passes.)"""

from _common import bucket_policy, objects

EXPECT = {"bucket-policy-only-oai": "grant only your OAI"}


def build(learner):
    learner.solve()
    bucket_policy(learner, {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects(learner)})
