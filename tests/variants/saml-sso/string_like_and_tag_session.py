"""Correct, unlike the reference: the trust policy allows sts:AssumeRoleWithSAML and
sts:TagSession, and checks the audience with StringLike and a lower-case condition key (keys are
case-insensitive)."""

from _common import SIGNIN, allow, provider_arn, trust

EXPECT = "full"


def build(learner):
    trust(learner, allow(provider_arn(learner), ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                         StringLike={"saml:aud": SIGNIN}))
