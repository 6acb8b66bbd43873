"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""

import json

SIGNIN = "https://signin.aws.amazon.com/saml"


def provider_arn(learner) -> str:
    return f"arn:aws:iam::{learner.account_id}:saml-provider/{learner.names['provider']}"


def trust(learner, *statements: dict) -> None:
    """The reference build, with the learner's own trust policy for the role."""
    learner.solve()
    learner.client("iam").update_assume_role_policy(RoleName=learner.names["role"], PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def allow(principal: str, action="sts:AssumeRoleWithSAML", **condition) -> dict:
    return {"Effect": "Allow", "Principal": {"Federated": principal}, "Action": action,
            **({"Condition": condition} if condition else {})}
