"""The policy evaluator against a table of AWS's documented examples (pure logic, no emulator).

Each row names its source; the policies are the documentation's own (bucket names as printed there):
- [EVAL] IAM User Guide, "Policy evaluation logic" and "Policy evaluation for requests within a single
  account" (Carlos example; explicit vs implicit deny; resource-based policies and implicit denies
  in other policy types)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- [XACCT] IAM User Guide, "Cross-account policy evaluation logic"
- [COND] IAM User Guide, "IAM JSON policy elements: Condition operators"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- [MULTI] IAM User Guide, "Creating a condition with multiple keys or values" (set operators)
- [VARS] IAM User Guide, "IAM policy elements: Variables and tags"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
- [NOTP] IAM User Guide, "AWS JSON policy elements: NotPrincipal"
- [PRIN] IAM User Guide, "AWS JSON policy elements: Principal"
- [S3VPCE] Amazon S3 User Guide, "Controlling access from VPC endpoints with bucket policies"
  (Restricting access to a specific VPC endpoint / to a specific VPC)
- [S3IP] Amazon S3 User Guide, "Bucket policy examples" (Managing access based on specific IP addresses)
"""

from __future__ import annotations

import pytest

from sandbox.iam_policy import (
    ALLOW, CROSS_ACCOUNT_IDENTITY, CROSS_ACCOUNT_RESOURCE, DENY, EXPLICIT_DENY, IDENTITY_POLICY,
    IMPLICIT_DENY, NO_ALLOW, PERMISSIONS_BOUNDARY, RESOURCE_POLICY, ROOT_USER, SESSION_POLICY, Policy,
    Request, authorize, evaluate, principal_keys,
)

ACCT = "123456789012"
CARLOS = f"arn:aws:iam::{ACCT}:user/carlossalazar"

# [EVAL] Carlos's identity-based policy and the bucket policy of his bucket.
CARLOS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowS3ListRead", "Effect": "Allow",
     "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints",
                "s3:ListAllMyBuckets"],
     "Resource": "arn:aws:s3:::*"},
    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]},
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
]}
CARLOS_BUCKET_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": CARLOS}, "Action": "s3:*",
     "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]}]}

# [EVAL] "The difference between explicit and implicit denies".
GET_LIST_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}]}
REPORTS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowReport", "Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"}]}


def as_user(arn, action, resource, **context):
    return Request(action, resource, {"AWS": arn}, {**principal_keys(arn), **context})


@pytest.mark.parametrize("source, request_, kwargs, effect, reason, sid", [
    ("EVAL Carlos saves to carlossalazar-logs: identity policy denies",
     as_user(CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs/file.txt"),
     {"identity": CARLOS_POLICY, "resource": None}, DENY, EXPLICIT_DENY, "DenyS3Logs"),
    ("EVAL Carlos saves to carlossalazar: both allow",
     as_user(CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/file.txt"),
     {"identity": CARLOS_POLICY, "resource": CARLOS_BUCKET_POLICY}, ALLOW, RESOURCE_POLICY, None),
    ("EVAL one of the two allowing is enough (bucket policy only)",
     as_user(CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/file.txt"),
     {"identity": [], "resource": CARLOS_BUCKET_POLICY}, ALLOW, RESOURCE_POLICY, None),
    ("EVAL one of the two allowing is enough (identity policy only)",
     as_user(CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/file.txt"),
     {"identity": CARLOS_POLICY, "resource": None}, ALLOW, IDENTITY_POLICY, "AllowS3Self"),
    ("EVAL AllowS3ListRead lists all buckets",
     as_user(CARLOS, "s3:ListAllMyBuckets", "arn:aws:s3:::*"),
     {"identity": CARLOS_POLICY}, ALLOW, IDENTITY_POLICY, "AllowS3ListRead"),
    ("EVAL AllowGetList allows iam:Get*",
     as_user(CARLOS, "iam:GetUser", f"arn:aws:iam::{ACCT}:user/x"),
     {"identity": GET_LIST_POLICY}, ALLOW, IDENTITY_POLICY, "AllowGetList"),
    ("EVAL other IAM actions are implicitly denied",
     as_user(CARLOS, "iam:CreatePolicy", "*"), {"identity": GET_LIST_POLICY}, IMPLICIT_DENY, NO_ALLOW, None),
    ("EVAL DenyReports explicitly denies *Report",
     as_user(CARLOS, "iam:GetOrganizationsAccessReport", "*"),
     {"identity": GET_LIST_POLICY}, DENY, EXPLICIT_DENY, "DenyReports"),
    ("EVAL a second policy allowing a report is still overridden by the explicit deny",
     as_user(CARLOS, "iam:GenerateCredentialReport", "*"),
     {"identity": [GET_LIST_POLICY, REPORTS_POLICY]}, DENY, EXPLICIT_DENY, "DenyReports"),
    ("EVAL the root user has full access in its own account",
     Request("s3:DeleteBucket", "arn:aws:s3:::carlossalazar", {"AWS": f"arn:aws:iam::{ACCT}:root"}),
     {"resource": CARLOS_BUCKET_POLICY}, ALLOW, ROOT_USER, None),
])
def test_single_account_examples(source, request_, kwargs, effect, reason, sid):
    decision = authorize(request_, **kwargs)
    assert (decision.effect, decision.reason, decision.sid) == (effect, reason, sid), source


# [EVAL] "Resource-based policies and implicit denies in other policy types (same account)".
ROLE = f"arn:aws:iam::{ACCT}:role/examplerole"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/examplerole/examplerolesessionname"
USER = f"arn:aws:iam::{ACCT}:user/exampleuser"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
BOUNDARY_EC2_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
SESSION_POLICY_EC2_ONLY = BOUNDARY_EC2_ONLY
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def bucket_policy_for(principal):
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Grant", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:GetObject",
         "Resource": f"{BUCKET}/*"}]}


def session_request():
    return Request("s3:GetObject", f"{BUCKET}/k", {"AWS": SESSION}, principal_keys(SESSION, role_arn=ROLE))


@pytest.mark.parametrize("source, request_, kwargs, effect, reason", [
    ("EVAL grant to the role session: not limited by boundary", session_request(),
     {"resource": bucket_policy_for(SESSION), "boundary": BOUNDARY_EC2_ONLY}, ALLOW, RESOURCE_POLICY),
    ("EVAL grant to the role session: not limited by a session policy", session_request(),
     {"resource": bucket_policy_for(SESSION), "session": SESSION_POLICY_EC2_ONLY}, ALLOW, RESOURCE_POLICY),
    ("EVAL grant to the role: works without identity policy", session_request(),
     {"resource": bucket_policy_for(ROLE)}, ALLOW, RESOURCE_POLICY),
    ("EVAL grant to the role: limited by the boundary", session_request(),
     {"resource": bucket_policy_for(ROLE), "boundary": BOUNDARY_EC2_ONLY}, IMPLICIT_DENY, PERMISSIONS_BOUNDARY),
    ("EVAL grant to the role: limited by a session policy", session_request(),
     {"resource": bucket_policy_for(ROLE), "session": SESSION_POLICY_EC2_ONLY}, IMPLICIT_DENY, SESSION_POLICY),
    ("EVAL grant to the IAM user: not limited by the boundary",
     as_user(USER, "s3:GetObject", f"{BUCKET}/k"),
     {"resource": bucket_policy_for(USER), "boundary": BOUNDARY_EC2_ONLY}, ALLOW, RESOURCE_POLICY),
    ("EVAL identity allow is limited by the boundary (intersection)",
     as_user(USER, "s3:GetObject", f"{BUCKET}/k"),
     {"identity": S3_ALL, "boundary": BOUNDARY_EC2_ONLY}, IMPLICIT_DENY, PERMISSIONS_BOUNDARY),
    ("EVAL identity allow within the boundary",
     as_user(USER, "s3:GetObject", f"{BUCKET}/k"),
     {"identity": S3_ALL, "boundary": S3_ALL}, ALLOW, IDENTITY_POLICY),
    ("PRIN an account principal delegates to the account's identity policies",
     as_user(USER, "s3:GetObject", f"{BUCKET}/k"),
     {"resource": bucket_policy_for(ACCT)}, IMPLICIT_DENY, NO_ALLOW),
    ("PRIN ... and the identity policy then grants it",
     as_user(USER, "s3:GetObject", f"{BUCKET}/k"),
     {"resource": bucket_policy_for(ACCT), "identity": S3_ALL}, ALLOW, IDENTITY_POLICY),
    ("XACCT the resource policy admits the other account and its identity policy allows",
     as_user("arn:aws:iam::444455556666:user/bob", "s3:GetObject", f"{BUCKET}/k"),
     {"resource": bucket_policy_for("444455556666"), "identity": S3_ALL, "resource_account": ACCT},
     ALLOW, IDENTITY_POLICY),
    ("XACCT without its own identity policy the other account's user is denied",
     as_user("arn:aws:iam::444455556666:user/bob", "s3:GetObject", f"{BUCKET}/k"),
     {"resource": bucket_policy_for("arn:aws:iam::444455556666:user/bob"), "resource_account": ACCT},
     IMPLICIT_DENY, CROSS_ACCOUNT_IDENTITY),
    ("XACCT without the resource policy an identity allow is not enough",
     as_user("arn:aws:iam::444455556666:user/bob", "s3:GetObject", f"{BUCKET}/k"),
     {"identity": S3_ALL, "resource_account": ACCT}, IMPLICIT_DENY, CROSS_ACCOUNT_RESOURCE),
])
def test_resource_policies_with_other_policy_types(source, request_, kwargs, effect, reason):
    decision = authorize(request_, **kwargs)
    assert (decision.effect, decision.reason) == (effect, reason), source


def allows(policy, request_):
    return evaluate(policy, request_).allowed


def stmt(condition, action="*", resource="*", version="2012-10-17", **extra):
    return {"Version": version, "Statement": [{"Sid": "S", "Effect": "Allow", "Action": action,
                                               "Resource": resource, "Condition": condition, **extra}]}


def req(context, action="s3:ListBucket", resource="arn:aws:s3:::b", principal=None):
    return Request(action, resource, principal, context)


@pytest.mark.parametrize("source, policy, request_, allowed", [
    ("COND StringEquals on a principal tag: tagged",
     stmt({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}),
     req({"aws:PrincipalTag/job-category": "iamuser-admin"}), True),
    ("COND ... a user without the tag is implicitly denied",
     stmt({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}), req({}), False),
    ("COND NumericLessThanEquals s3:max-keys 10",
     stmt({"NumericLessThanEquals": {"s3:max-keys": "10"}}), req({"s3:max-keys": "10"}), True),
    ("COND ... 11 keys is too many",
     stmt({"NumericLessThanEquals": {"s3:max-keys": "10"}}), req({"s3:max-keys": "11"}), False),
    ("COND DateGreaterThan aws:TokenIssueTime: temporary credentials from 2021",
     stmt({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}),
     req({"aws:TokenIssueTime": "2021-03-04T05:06:07Z"}), True),
    ("COND ... an IAM user's long-term key has no aws:TokenIssueTime",
     stmt({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}), req({}), False),
    ("COND dates also compare as epoch seconds",
     stmt({"DateLessThan": {"aws:EpochTime": "1577836801"}}), req({"aws:EpochTime": 1577836800}), True),
    ("COND IpAddress 203.0.113.0/24",
     stmt({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), req({"aws:SourceIp": "203.0.113.9"}), True),
    ("COND ... mixed IPv4 and IPv6 ranges",
     stmt({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}),
     req({"aws:SourceIp": "2001:db8:1234:5678::1"}), True),
    ("COND ... an address without prefix is /32",
     stmt({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}), req({"aws:SourceIp": "203.0.113.10"}), False),
    ("COND ... a request through a VPC endpoint has no aws:SourceIp",
     stmt({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), req({"aws:SourceVpce": "vpce-1a2b3c4d"}), False),
    ("COND StringLike matches across the ARN's colons",
     stmt({"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
     req({"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}),
     True),
    ("COND ... ArnLike compares the six parts one by one and fails",
     stmt({"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
     req({"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}),
     False),
    ("COND ArnEquals aws:SourceArn for SNS -> SQS",
     stmt({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:REGION:123456789012:TOPIC-ID"}},
          action="SQS:SendMessage", resource="arn:aws:sqs:REGION:123456789012:QUEUE-ID",
          Principal={"AWS": "123456789012"}),
     req({"aws:SourceArn": "arn:aws:sns:REGION:123456789012:TOPIC-ID"}, "sqs:SendMessage",
         "arn:aws:sqs:REGION:123456789012:QUEUE-ID", {"AWS": "arn:aws:iam::123456789012:user/u"}), True),
    ("COND ... a direct call has no aws:SourceArn",
     stmt({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:REGION:123456789012:TOPIC-ID"}},
          action="SQS:SendMessage", resource="arn:aws:sqs:REGION:123456789012:QUEUE-ID",
          Principal={"AWS": "123456789012"}),
     req({}, "sqs:SendMessage", "arn:aws:sqs:REGION:123456789012:QUEUE-ID",
         {"AWS": "arn:aws:iam::123456789012:user/u"}), False),
    ("COND StringLikeIfExists ec2:InstanceType: resources without the key pass",
     stmt({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
     req({}, "ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1"), True),
    ("COND ... t2.micro passes",
     stmt({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
     req({"ec2:InstanceType": "t2.micro"}, "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*"), True),
    ("COND ... m5.large does not",
     stmt({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
     req({"ec2:InstanceType": "m5.large"}, "ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*"), False),
    ("COND THISPOLICYDOESNOTWORK: without IfExists the image has no key and fails",
     stmt({"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, action="ec2:RunInstances"),
     req({}, "ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1"), False),
    ("COND Null aws:TokenIssueTime true: long-term keys",
     stmt({"Null": {"aws:TokenIssueTime": "true"}}, action="ec2:*"), req({}, "ec2:DescribeInstances"), True),
    ("COND ... temporary credentials are refused",
     stmt({"Null": {"aws:TokenIssueTime": "true"}}, action="ec2:*"),
     req({"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, "ec2:DescribeInstances"), False),
    ("COND BinaryEquals compares the base64 value byte for byte",
     stmt({"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}), req({"key": b"BinaryValueInBase64"}), True),
    ("COND key names are case-insensitive (aws:CurrentTime = AWS:currenttime)",
     stmt({"DateGreaterThan": {"AWS:currenttime": "2020-01-01T00:00:00Z"}}),
     req({"aws:CurrentTime": "2026-11-28T00:00:00Z"}), True),
    ("MULTI ForAllValues:StringLike: every requested attribute is listed",
     stmt({"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}),
     req({"dynamodb:requestedAttributes": ["PostDateTime", "Message"]}), True),
    ("MULTI ... UserName is not listed",
     stmt({"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}),
     req({"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]}), False),
    ("MULTI ... an empty set satisfies ForAllValues",
     stmt({"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime"]}}),
     req({"dynamodb:requestedAttributes": []}), True),
    ("MULTI ForAnyValue: one match is enough",
     stmt({"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}),
     req({"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]}), True),
    ("MULTI ... no match",
     stmt({"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}),
     req({"dynamodb:requestedAttributes": ["UserName"]}), False),
    ("MULTI ... an empty set fails ForAnyValue",
     stmt({"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID"]}}), req({}), False),
])
def test_condition_examples(source, policy, request_, allowed):
    assert allows(policy, request_) is allowed, source


def test_for_any_value_deny_example():
    """[MULTI] Deny PutItem when the request touches ID or PostDateTime."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoIdChanges", "Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*",
         "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}},
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}
    touching = req({"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]}, "dynamodb:PutItem", "t")
    assert evaluate(policy, touching).effect == DENY
    assert evaluate(policy, req({"dynamodb:requestedAttributes": ["UserName"]}, "dynamodb:PutItem", "t")).allowed


# [VARS] the home-directory policies.
HOME_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::BUCKET-NAME",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
    {"Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::BUCKET-NAME/home/${aws:username}", "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"]},
]}
DAVID = f"arn:aws:iam::{ACCT}:user/David"


@pytest.mark.parametrize("source, policy, request_, allowed", [
    ("VARS David lists his home prefix", HOME_POLICY,
     as_user(DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", **{"s3:prefix": "home/David/"}), True),
    ("VARS ... and the top level", HOME_POLICY,
     as_user(DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", **{"s3:prefix": ""}), True),
    ("VARS ... but not someone else's", HOME_POLICY,
     as_user(DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", **{"s3:prefix": "home/Adele/"}), False),
    ("VARS David reads his own object", HOME_POLICY,
     as_user(DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt"), True),
    ("VARS ... not Adele's", HOME_POLICY,
     as_user(DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/Adele/notes.txt"), False),
    ("VARS a role session has no aws:username: the statement does not apply", HOME_POLICY,
     Request("s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/x",
             {"AWS": SESSION}, principal_keys(SESSION, "AROAEXAMPLE:examplerolesessionname")), False),
    ("VARS without Version 2012-10-17 a variable is literal text",
     {"Version": "2008-10-17", "Statement": HOME_POLICY["Statement"]},
     as_user(DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt"), False),
    ("VARS ... and then matches only itself",
     {"Statement": HOME_POLICY["Statement"]},
     as_user(DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/x"), True),
    ("VARS variables in a queue ARN: ${aws:username}-queue",
     {"Version": "2012-10-17", "Statement": [{"Sid": "AllQueueActions", "Effect": "Allow", "Action": "sqs:*",
                                              "Resource": "arn:aws:sqs:us-east-2:*:${aws:username}-queue"}]},
     as_user(DAVID, "sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCT}:David-queue"), True),
    ("VARS principal tag in the Resource",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/department}"}]},
     as_user(DAVID, "s3:GetObject", "arn:aws:s3:::bucket/HR", **{"aws:PrincipalTag/department": "HR"}), True),
    ("VARS SNS topic policy: StringLike sns:endpoint with ${aws:username}",
     {"Version": "2012-10-17", "Statement": [{
         "Principal": {"AWS": "999999999999"}, "Effect": "Allow", "Action": "sns:*", "Resource": "*",
         "Condition": {"StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                       "StringEquals": {"sns:Protocol": "https"}}}]},
     as_user("arn:aws:iam::999999999999:user/David", "sns:Subscribe", "arn:aws:sns:r:1:t",
             **{"sns:endpoint": "https://example.com/David/", "sns:Protocol": "https"}), True),
    ("VARS a default value stands in for a missing key",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                                              "Condition": {"StringEquals": {"aws:Resource": "arn:aws:s3:::/bucket/${aws:userid, 'anonymous'}"}}}]},
     req({"aws:Resource": "arn:aws:s3:::/bucket/anonymous"}, "s3:GetObject", "x"), True),
    ("VARS ${*} is a literal asterisk, not a wildcard",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::bucket/${*}"}]},
     req({}, "s3:GetObject", "arn:aws:s3:::bucket/anything"), False),
    ("VARS ... and matches an asterisk",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::bucket/${*}"}]},
     req({}, "s3:GetObject", "arn:aws:s3:::bucket/*"), True),
    ("VARS a substituted value never acts as a wildcard",
     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                              "Resource": "arn:aws:s3:::bucket/${aws:username}"}]},
     as_user(f"arn:aws:iam::{ACCT}:user/x", "s3:GetObject", "arn:aws:s3:::bucket/y", **{"aws:username": "*"}),
     False),
    ("VARS ArnLike with a variable in the resource part",
     stmt({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}),
     as_user(DAVID, "s3:ListBucket", "arn:aws:s3:::b"), True),
])
def test_policy_variable_examples(source, policy, request_, allowed):
    assert allows(policy, request_) is allowed, source


@pytest.mark.parametrize("arn, kwargs, expected", [
    (f"arn:aws:iam::{ACCT}:root", {}, {"aws:PrincipalType": "Account", "aws:userid": ACCT}),
    (DAVID, {"principal_id": "AIDAEXAMPLE"},
     {"aws:PrincipalType": "User", "aws:username": "David", "aws:userid": "AIDAEXAMPLE"}),
    ("arn:aws:sts::123456789012:assumed-role/EC2toS3/i-0123456789abcdef0",
     {"principal_id": "AROAEXAMPLE:i-0123456789abcdef0", "role_arn": f"arn:aws:iam::{ACCT}:role/EC2toS3"},
     {"aws:PrincipalType": "AssumedRole", "aws:userid": "AROAEXAMPLE:i-0123456789abcdef0",
      "aws:PrincipalArn": f"arn:aws:iam::{ACCT}:role/EC2toS3"}),
])
def test_principal_key_values(arn, kwargs, expected):
    """[VARS] "Principal key values": aws:username only for IAM users; role-id:session for roles
    (role-id:ec2-instance-id for an instance profile's role)."""
    keys = principal_keys(arn, **kwargs)
    assert {k: keys.get(k) for k in expected} == expected
    assert keys["aws:PrincipalAccount"] == ACCT
    if "user/" not in arn:
        assert "aws:username" not in keys


# [NOTP] Deny everyone except Bob (and his account).
NOT_BOB = {"Version": "2012-10-17", "Statement": [{
    "Sid": "OnlyBob", "Effect": "Deny",
    "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
    "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]}]}
NOT_AUDIT = {"Version": "2012-10-17", "Statement": [{
    "Sid": "OnlyAudit", "Effect": "Deny",
    "NotPrincipal": {"AWS": [
        "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
        "arn:aws:iam::444455556666:role/cross-account-read-only-role",
        "arn:aws:iam::444455556666:root"]},
    "Action": "s3:*", "Resource": ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"]}]}
AUDIT_SESSION = "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app"


@pytest.mark.parametrize("source, policy, principal, effect", [
    ("NOTP Bob is not denied", NOT_BOB, "arn:aws:iam::444455556666:user/Bob", IMPLICIT_DENY),
    ("NOTP another user of Bob's account is denied", NOT_BOB, "arn:aws:iam::444455556666:user/Alice", DENY),
    ("NOTP anyone else is denied", NOT_BOB, "arn:aws:iam::111122223333:user/Bob", DENY),
    ("NOTP naming only Bob may deny Bob (his account is checked first)",
     {"Version": "2012-10-17", "Statement": [{**NOT_BOB["Statement"][0],
                                              "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/Bob"}}]},
     "arn:aws:iam::444455556666:user/Bob", DENY),
    ("NOTP the audit session is not denied", NOT_AUDIT, AUDIT_SESSION, IMPLICIT_DENY),
    ("NOTP another session of the same role is denied", NOT_AUDIT,
     "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/other", DENY),
    ("NOTP without the role ARN the session is denied (the role is checked)",
     {"Version": "2012-10-17", "Statement": [{**NOT_AUDIT["Statement"][0], "NotPrincipal": {"AWS": [
         AUDIT_SESSION, "arn:aws:iam::444455556666:root"]}}]}, AUDIT_SESSION, DENY),
    ("NOTP anonymous callers are denied", NOT_BOB, None, DENY),
])
def test_not_principal_examples(source, policy, principal, effect):
    resource = "arn:aws:s3:::Bucket_AccountAudit/k" if policy is NOT_AUDIT or "OnlyAudit" in str(policy) \
        else "arn:aws:s3:::BUCKETNAME/k"
    decision = evaluate(policy, Request("s3:GetObject", resource, {"AWS": principal} if principal else None))
    assert decision.effect == effect, source


def test_not_principal_with_allow_grants_everyone_else():
    """[NOTP] "NotPrincipal with Allow" grants all principals except the ones named, anonymous included."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": NOT_BOB["Statement"][0]["NotPrincipal"]["AWS"]},
                                                      "Action": "s3:GetObject", "Resource": "*"}]}
    assert evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::b/k", None)).allowed
    assert not evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::b/k",
                                        {"AWS": "arn:aws:iam::444455556666:user/Bob"})).allowed


@pytest.mark.parametrize("principal, expected", [
    ({"AWS": ROLE}, True),  # a role ARN names every session of the role
    ({"AWS": f"arn:aws:iam::{ACCT}:role/otherrole"}, False),
    ({"AWS": "*"}, True),
    ("*", True),
    ({"AWS": SESSION}, True),
    ({"AWS": f"arn:aws:sts::{ACCT}:assumed-role/examplerole/othersession"}, False),
])
def test_principal_element_names_role_sessions(principal, expected):
    """[PRIN] role principals and role session principals."""
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
                                                      "Action": "s3:GetObject", "Resource": "*"}]}
    assert evaluate(policy, session_request()).allowed is expected


def test_role_with_a_path_is_matched_through_aws_principal_arn():
    role = f"arn:aws:iam::{ACCT}:role/service-role/examplerole"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role},
                                                      "Action": "s3:GetObject", "Resource": "*"}]}
    request_ = Request("s3:GetObject", "x", {"AWS": SESSION}, principal_keys(SESSION, role_arn=role))
    assert evaluate(policy, request_).allowed


# [S3VPCE] / [S3IP] / the blog's policy: the decisions the S3 enforcement makes.
VPCE_ONLY = {"Version": "2012-10-17", "Id": "Policy1415115909152", "Statement": [{
    "Sid": "Access-to-specific-VPCE-only", "Principal": "*", "Action": "s3:*", "Effect": "Deny",
    "Resource": ["arn:aws:s3:::awsexamplebucket1", "arn:aws:s3:::awsexamplebucket1/*"],
    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}
VPC_ONLY = {"Version": "2012-10-17", "Id": "Policy1415115909153", "Statement": [{
    "Sid": "Access-to-specific-VPC-only", "Principal": "*", "Action": "s3:*", "Effect": "Deny",
    "Resource": ["arn:aws:s3:::awsexamplebucket1", "arn:aws:s3:::awsexamplebucket1/*"],
    "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-111bbb22"}}}]}
SOURCE_IP = {"Id": "SourceIP", "Version": "2012-10-17", "Statement": [{
    "Sid": "SourceIP", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
    "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}}]}
BLOG = {"Id": "VPCe", "Version": "2012-10-17", "Statement": [{
    "Sid": "VPCe", "Action": "s3:*", "Effect": "Deny", "Resource": "arn:aws:s3:::20220809-endpoint-gateway",
    "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-02d3065c3ea6a5612"]}}, "Principal": "*"}]}
EC2_ROLE = f"arn:aws:sts::{ACCT}:assumed-role/EC2toS3/i-0123456789abcdef0"
INTERNET = {"aws:SourceIp": "54.250.1.2"}
ENDPOINT = {"aws:SourceVpce": "vpce-02d3065c3ea6a5612", "aws:SourceVpc": "vpc-111bbb22",
            "aws:VpcSourceIp": "10.0.1.5"}


@pytest.mark.parametrize("source, policy, resource, context, effect", [
    ("S3VPCE through the named endpoint", VPCE_ONLY, "arn:aws:s3:::awsexamplebucket1/k",
     {"aws:SourceVpce": "vpce-1a2b3c4d"}, IMPLICIT_DENY),
    ("S3VPCE through another endpoint", VPCE_ONLY, "arn:aws:s3:::awsexamplebucket1/k",
     {"aws:SourceVpce": "vpce-99999999"}, DENY),
    ("S3VPCE over the internet (no aws:SourceVpce)", VPCE_ONLY, "arn:aws:s3:::awsexamplebucket1", INTERNET, DENY),
    ("S3VPCE from the VPC", VPC_ONLY, "arn:aws:s3:::awsexamplebucket1", ENDPOINT, IMPLICIT_DENY),
    ("S3VPCE from elsewhere", VPC_ONLY, "arn:aws:s3:::awsexamplebucket1", INTERNET, DENY),
    ("S3IP from an allowed range", SOURCE_IP, "arn:aws:s3:::amzn-s3-demo-bucket/k",
     {"aws:SourceIp": "203.0.113.40"}, IMPLICIT_DENY),
    ("S3IP from elsewhere", SOURCE_IP, "arn:aws:s3:::amzn-s3-demo-bucket/k", INTERNET, DENY),
    ("blog: private instance through the endpoint", BLOG, "arn:aws:s3:::20220809-endpoint-gateway",
     ENDPOINT, IMPLICIT_DENY),
    ("blog: public instance over the internet gateway", BLOG, "arn:aws:s3:::20220809-endpoint-gateway",
     INTERNET, DENY),
    ("blog: the policy names only the bucket, so objects are not covered", BLOG,
     "arn:aws:s3:::20220809-endpoint-gateway/file.txt", INTERNET, IMPLICIT_DENY),
])
def test_s3_network_policies(source, policy, resource, context, effect):
    request_ = Request("s3:ListBucket" if "/" not in resource.split(":::")[1] else "s3:GetObject", resource,
                       {"AWS": EC2_ROLE}, {**principal_keys(EC2_ROLE), **context})
    assert evaluate(policy, request_).effect == effect, source


def test_deny_decision_names_statement_and_the_conditions_that_held():
    request_ = Request("s3:ListBucket", "arn:aws:s3:::20220809-endpoint-gateway", {"AWS": EC2_ROLE},
                       {**principal_keys(EC2_ROLE), **INTERNET})
    decision = authorize(request_, resource=Policy(BLOG, "bucket policy"),
                         identity=Policy(S3_ALL, "AmazonS3FullAccess"))
    assert (decision.effect, decision.sid, decision.policy) == (DENY, "VPCe", "bucket policy")
    [condition] = decision.conditions
    assert (condition.operator, condition.key, condition.expected, condition.actual, condition.holds) == (
        "StringNotEquals", "aws:SourceVpce", ("vpce-02d3065c3ea6a5612",), None, True)


def test_implicit_deny_explains_the_condition_that_failed():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "FromOffice", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*", "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
        {"Sid": "Other", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"},
        {"Sid": "WrongBucket", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::c/*"}]}
    decision = evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::b/k", None, {"aws:SourceIp": "198.51.100.7"}))
    assert decision.effect == IMPLICIT_DENY
    assert [(m.sid, m.element) for m in decision.misses] == [("FromOffice", "Condition"), ("WrongBucket", "Resource")]
    failed = decision.misses[0].condition
    assert (failed.key, failed.actual, failed.holds) == ("aws:SourceIp", "198.51.100.7", False)
    assert "198.51.100.7" in failed.describe()
