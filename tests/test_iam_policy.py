"""The policy evaluator against examples from AWS's documentation (pure logic, no emulator).

Sources:
- IAM User Guide, policy evaluation logic and condition operators:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- Amazon S3 User Guide, "Granting permissions to publish event notification messages to a
  destination" (the SQS access policy example with ArnLike aws:SourceArn and aws:SourceAccount).
"""

import json

import pytest

from sandbox.iam_policy import ALLOW, DENY, IMPLICIT_DENY, PolicyError, Request, evaluate

QUEUE = "arn:aws:sqs:ap-northeast-1:111122223333:TestQueue"
S3 = {"Service": "s3.amazonaws.com"}

# The S3 User Guide's example queue policy for event notifications.
S3_DOC_POLICY = {
    "Version": "2012-10-17",
    "Id": "example-ID",
    "Statement": [{
        "Sid": "example-statement-ID",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": ["SQS:SendMessage"],
        "Resource": QUEUE,
        "Condition": {
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:amzn-s3-demo-bucket"},
            "StringEquals": {"aws:SourceAccount": "111122223333"},
        },
    }],
}

# The blog's policy: Principal AWS:*, SQS:*, narrowed by ArnLike aws:SourceArn.
BLOG_POLICY = {
    "Version": "2008-10-17",
    "Statement": [{
        "Sid": "__owner_statement", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SQS:*",
        "Resource": QUEUE,
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:20220807-sqs-test"}},
    }],
}


def s3_send(bucket, account="111122223333"):
    return Request("sqs:SendMessage", QUEUE, S3,
                   {"aws:SourceArn": f"arn:aws:s3:::{bucket}", "aws:SourceAccount": account})


@pytest.mark.parametrize("policy, request_, effect", [
    (S3_DOC_POLICY, s3_send("amzn-s3-demo-bucket"), ALLOW),
    (S3_DOC_POLICY, s3_send("another-bucket"), IMPLICIT_DENY),
    (S3_DOC_POLICY, s3_send("amzn-s3-demo-bucket", account="444455556666"), IMPLICIT_DENY),
    (BLOG_POLICY, s3_send("20220807-sqs-test"), ALLOW),
    (BLOG_POLICY, s3_send("other"), IMPLICIT_DENY),
    # A direct call has no aws:SourceArn: ArnLike on a missing key is false.
    (BLOG_POLICY, Request("sqs:SendMessage", QUEUE, {"AWS": "arn:aws:iam::999999999999:user/x"}), IMPLICIT_DENY),
    # Action names are case-insensitive; resources are not.
    (BLOG_POLICY, Request("SQS:sendmessage", QUEUE, S3, {"aws:SourceArn": "arn:aws:s3:::20220807-sqs-test"}), ALLOW),
    (BLOG_POLICY, Request("sqs:SendMessage", QUEUE.lower(), S3, {"aws:SourceArn": "arn:aws:s3:::20220807-sqs-test"}), IMPLICIT_DENY),
])
def test_documented_queue_policies(policy, request_, effect):
    assert evaluate(policy, request_).effect == effect


def test_explicit_deny_beats_allow():
    policy = {"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"},
        {"Sid": "no", "Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"},
    ]}
    decision = evaluate(policy, s3_send("b"))
    assert decision.effect == DENY and decision.statement["Sid"] == "no"


def test_not_action_and_not_resource():
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "NotAction": "sqs:DeleteQueue",
                             "NotResource": "arn:aws:sqs:*:*:Secret*"}]}
    assert evaluate(policy, Request("sqs:SendMessage", QUEUE, S3)).effect == ALLOW
    assert evaluate(policy, Request("sqs:DeleteQueue", QUEUE, S3)).effect == IMPLICIT_DENY
    assert evaluate(policy, Request("sqs:SendMessage", "arn:aws:sqs:r:1:SecretQ", S3)).effect == IMPLICIT_DENY


def test_principal_forms():
    base = {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
    user = {"AWS": "arn:aws:iam::111122223333:user/alice"}
    assert evaluate({"Statement": [{**base, "Principal": {"AWS": "111122223333"}}]},
                    Request("sqs:SendMessage", QUEUE, user)).allowed
    assert evaluate({"Statement": [{**base, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}]},
                    Request("sqs:SendMessage", QUEUE, user)).allowed
    assert not evaluate({"Statement": [{**base, "Principal": {"AWS": "444455556666"}}]},
                        Request("sqs:SendMessage", QUEUE, user)).allowed
    assert not evaluate({"Statement": [{**base, "Principal": {"Service": "sns.amazonaws.com"}}]},
                        Request("sqs:SendMessage", QUEUE, S3)).allowed


@pytest.mark.parametrize("condition, context, holds", [
    # Negated operators are true when the key is missing (IAM User Guide, condition operators).
    ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {}, True),
    ({"StringEquals": {"aws:SourceAccount": "1"}}, {}, False),
    ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
    ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {"aws:SourceAccount": "2"}, False),
    # Several values of one key are ORed; key names are case-insensitive.
    ({"StringEquals": {"AWS:SOURCEACCOUNT": ["1", "2"]}}, {"aws:SourceAccount": "2"}, True),
    ({"StringLike": {"s3:prefix": ["home/*"]}}, {"s3:prefix": "home/alice"}, True),
    ({"StringNotLike": {"s3:prefix": ["home/*"]}}, {"s3:prefix": "home/alice"}, False),
    ({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": "alice"}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:01Z"}}, {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2020-04-01T00:00:01Z"}}, {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, True),
    ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": True}, False),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}, True),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    ({"Null": {"aws:TokenIssueTime": "false"}}, {}, False),
    ({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:my_topic"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my_topic"}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket-*"}}, {"aws:SourceArn": "arn:aws:s3:::bucket-a"}, True),
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::bucket-*"}}, {"aws:SourceArn": "arn:aws:s3:::bucket-a"}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]}, False),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["c", "b"]}, True),
    # Several operators in one block are ANDed.
    ({"StringEquals": {"a:x": "1"}, "StringLike": {"a:y": "z*"}}, {"a:x": "1", "a:y": "q"}, False),
])
def test_condition_operators(condition, context, holds):
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                             "Condition": condition}]}
    assert evaluate(policy, Request("s3:ListBucket", "arn:aws:s3:::b", None, context)).allowed is holds


def test_wildcards_do_not_treat_brackets_as_character_classes():
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::[ab]"}]}
    assert not evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::a")).allowed
    assert evaluate(policy, Request("s3:GetObject", "arn:aws:s3:::[ab]")).allowed


@pytest.mark.parametrize("document", ["{not json", json.dumps({"Version": "2012-10-17"}),
                                      json.dumps({"Statement": [{"Effect": "Maybe"}]})])
def test_malformed_documents_are_reported(document):
    with pytest.raises(PolicyError):
        evaluate(document, s3_send("b"))


def test_unknown_operator_is_an_error():
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                             "Condition": {"StringSortOf": {"a": "b"}}}]}
    with pytest.raises(PolicyError, match="unknown condition operator"):
        evaluate(policy, Request("s3:GetObject", "x", None, {"a": "b"}))
