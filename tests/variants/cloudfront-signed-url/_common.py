"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""

import json


def oai(learner) -> dict:
    items = learner.client("cloudfront").list_cloud_front_origin_access_identities()[
        "CloudFrontOriginAccessIdentityList"].get("Items", [])
    return items[0]


def bucket_policy(learner, *statements: dict) -> None:
    """The reference build, with the learner's own bucket policy."""
    learner.client("s3").put_bucket_policy(Bucket=learner.names["bucket"], Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def objects(learner) -> str:
    return f"arn:aws:s3:::{learner.names['bucket']}/*"
