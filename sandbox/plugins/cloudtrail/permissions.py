"""May CloudTrail write to this bucket / publish to this topic? Checked as AWS checks them.

CloudTrail needs the bucket policy to allow the service principal cloudtrail.amazonaws.com both
s3:GetBucketAcl on the bucket and s3:PutObject on <bucket>/[prefix/]AWSLogs/<account>/* with
s3:x-amz-acl = bucket-owner-full-control; aws:SourceArn / aws:SourceAccount conditions name the
trail (CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail"). The console writes this
policy; API users write it themselves, or CreateTrail fails with InsufficientS3BucketPolicyException.
For SNS the topic policy must allow sns:Publish to the same principal (User Guide, "Amazon SNS
topic policy for CloudTrail"). Evaluated with awslab's IAM policy evaluator (sandbox/iam_policy.py).
"""

from __future__ import annotations

from localstack.services.sns.models import sns_stores

from sandbox import iam_policy

from .. import localstack_state

PRINCIPAL = {"Service": "cloudtrail.amazonaws.com"}


def log_prefix(s3_key_prefix: str | None, account_id: str) -> str:
    return f"{s3_key_prefix}/AWSLogs/{account_id}/" if s3_key_prefix else f"AWSLogs/{account_id}/"


def bucket_policy(bucket: str) -> str | None:
    found = localstack_state.find_bucket(bucket)
    return found.policy if found else None


def bucket_admits(bucket: str, trail_arn: str, account_id: str, key: str) -> bool:
    """Would the bucket policy let CloudTrail check the bucket ACL and write `key`?"""
    document = bucket_policy(bucket)
    if not document:
        return False
    context = {"aws:SourceArn": trail_arn, "aws:SourceAccount": account_id}
    checks = [
        iam_policy.Request("s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", PRINCIPAL, context),
        iam_policy.Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}", PRINCIPAL,
                           {**context, "s3:x-amz-acl": "bucket-owner-full-control"}),
    ]
    try:
        return all(iam_policy.evaluate(document, check).allowed for check in checks)
    except iam_policy.PolicyError:
        return False


def topic_admits(topic_arn: str, trail_arn: str, account_id: str) -> bool | None:
    """None when the topic does not exist; else whether its policy lets CloudTrail publish."""
    parts = topic_arn.split(":")
    if len(parts) < 6:
        return None
    region, owner = parts[3], parts[4]
    if owner not in sns_stores or region not in sns_stores[owner]:
        return None
    topic = sns_stores[owner][region].topics.get(topic_arn)
    if topic is None:
        return None
    document = (topic.get("attributes") or {}).get("Policy") if isinstance(topic, dict) else None
    if not document:
        return False
    request = iam_policy.Request("sns:Publish", topic_arn, PRINCIPAL,
                                 {"aws:SourceArn": trail_arn, "aws:SourceAccount": account_id})
    try:
        return iam_policy.evaluate(document, request).allowed
    except iam_policy.PolicyError:
        return False
