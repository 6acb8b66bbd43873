"""Correct, unlike the reference: the grant is a list of actions on the object's own ARN, and a
second statement denies non-TLS requests (aws:SecureTransport false), as AWS security guidance
suggests."""

from _common import bucket_policy, oai

EXPECT = "full"


def build(learner):
    learner.solve()
    obj = f"arn:aws:s3:::{learner.names['bucket']}/{learner.names['object']}"
    principal = {"AWS": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai(learner)['Id']}"}
    bucket_policy(learner,
                  {"Effect": "Allow", "Principal": principal, "Action": ["s3:GetObject"], "Resource": [obj]},
                  {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [obj],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
