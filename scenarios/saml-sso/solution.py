"""Reference solution of saml-sso, written as a learner would: the IdP side with `awslab idp`
commands, the AWS side with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), and is safe to run twice.

    python solution.py [--provider sanvarie_test] [--role saml-role] [--user1 taro] [--user2 hanako]
"""

import argparse
import json
import os
import subprocess
import sys

import boto3


def awslab(*args: str) -> subprocess.CompletedProcess:
    """Run an `awslab` command against the same emulator as boto3."""
    command = [sys.executable, "-m", "sandbox.cli", *args]
    if os.environ.get("AWS_ENDPOINT_URL"):
        command += ["--endpoint", os.environ["AWS_ENDPOINT_URL"]]
    return subprocess.run(command, check=True, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", default="sanvarie_test")
    parser.add_argument("--role", default="saml-role")
    parser.add_argument("--user1", default="taro")
    parser.add_argument("--user2", default="hanako")
    args = parser.parse_args()

    iam = boto3.session.Session().client("iam")

    # 1. The IdP's metadata (the blog downloads it from the IdP's admin screen).
    metadata = awslab("idp", "metadata").stdout

    # 2. The SAML provider in IAM; update its metadata when it already exists.
    existing = {p["Arn"].rsplit("/", 1)[-1]: p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    if args.provider in existing:
        provider_arn = existing[args.provider]
        iam.update_saml_provider(SAMLProviderArn=provider_arn, SAMLMetadataDocument=metadata)
    else:
        provider_arn = iam.create_saml_provider(Name=args.provider, SAMLMetadataDocument=metadata)["SAMLProviderArn"]
    print(f"provider {provider_arn}")

    # 3. The role, trusted by the provider for the AWS sign-in endpoint (what the console writes).
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }],
    }
    try:
        role_arn = iam.create_role(RoleName=args.role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=args.role, PolicyDocument=json.dumps(trust))
        role_arn = iam.get_role(RoleName=args.role)["Role"]["Arn"]
    iam.put_role_policy(RoleName=args.role, PolicyName="list-buckets", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }))
    print(f"role {role_arn}")

    # 4. The IdP's AWS app: Role attribute "role ARN,provider ARN".
    awslab("idp", "app", "set", "--role", f"{role_arn},{provider_arn}")

    # 5. Two IdP users.
    for user in (args.user1, args.user2):
        awslab("idp", "user", "add", user)
    print(f"IdP app and users {args.user1}, {args.user2} set up; try: awslab idp login --user {args.user1}")


if __name__ == "__main__":
    main()
