"""Wrong: the role trusts another SAML provider than the one registered for the IdP."""

from _common import SIGNIN, allow, trust

EXPECT = {"role-trusts-provider": "does not allow Federated"}


def build(learner):
    trust(learner, allow(f"arn:aws:iam::{learner.account_id}:saml-provider/someone-else", StringEquals={"SAML:aud": SIGNIN}))
