"""Wrong: the trust policy admits the provider's assertions for any audience (no SAML:aud
condition), including assertions the IdP made for another service provider."""

from _common import allow, provider_arn, trust

EXPECT = {"trust-checks-audience": "add the SAML:aud condition"}


def build(learner):
    trust(learner, allow(provider_arn(learner)))
