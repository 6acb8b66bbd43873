"""Shared by this scenario's variants (the leading _ keeps it out of the variant list)."""

import json


def _named(items, name):
    return next(i for i in items if {"Key": "Name", "Value": name} in i.get("Tags", []))


def endpoint_and_vpc(learner) -> tuple[str, str]:
    ec2 = learner.client("ec2")
    vpc = _named(ec2.describe_vpcs()["Vpcs"], learner.names["vpc"])["VpcId"]
    endpoint = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"][0]
    return endpoint["VpcEndpointId"], vpc


def route_table(learner, key: str) -> str:
    ec2 = learner.client("ec2")
    return _named(ec2.describe_route_tables()["RouteTables"], learner.names[key])["RouteTableId"]


def bucket_policy(learner, *statements: dict) -> None:
    learner.client("s3").put_bucket_policy(Bucket=learner.names["bucket"], Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def arns(learner) -> list[str]:
    bucket = learner.names["bucket"]
    return [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
