"""Correct, unlike the reference: the Allow has no condition, and a second statement denies every
audience but the AWS sign-in endpoint."""

from _common import SIGNIN, provider_arn, trust, allow

EXPECT = "full"


def build(learner):
    arn = provider_arn(learner)
    trust(learner, allow(arn),
          {"Effect": "Deny", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithSAML",
           "Condition": {"StringNotEquals": {"SAML:aud": SIGNIN}}})
