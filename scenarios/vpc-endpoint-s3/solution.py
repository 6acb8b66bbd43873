"""Reference solution of vpc-endpoint-s3, written as a learner would with boto3.

Runs against whatever AWS_ENDPOINT_URL and credentials the environment holds
(eval "$(awslab env)"), after `awslab start vpc-endpoint-s3` created the VPC; safe to run twice.

    python solution.py [--bucket 20220809-endpoint-gateway] [--role EC2toS3] ...
"""

import argparse
import json

import boto3
from botocore.exceptions import ClientError

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def by_name(items, name):
    for item in items:
        if {"Key": "Name", "Value": name} in item.get("Tags", []):
            return item
    raise SystemExit(f"no resource named {name}: run `awslab start vpc-endpoint-s3` first")


def ignore(code, call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != code:
            raise
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", default="20220809-endpoint-gateway")
    parser.add_argument("--role", default="EC2toS3")
    parser.add_argument("--vpc", default="vpce-lab")
    parser.add_argument("--public_subnet", default="vpce-lab-public")
    parser.add_argument("--private_subnet", default="vpce-lab-private")
    parser.add_argument("--public_route_table", default="vpce-lab-public-rt")
    parser.add_argument("--private_route_table", default="vpce-lab-private-rt")
    args = parser.parse_args()

    session = boto3.session.Session()
    region = session.region_name or "ap-northeast-1"
    s3, iam, ec2 = (session.client(s, region_name=region) for s in ("s3", "iam", "ec2"))

    # 1. The bucket and a file in it.
    ignore("BucketAlreadyOwnedByYou", s3.create_bucket, Bucket=args.bucket,
           CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_object(Bucket=args.bucket, Key="hello.txt", Body=b"hello from the blog\n")
    print(f"bucket {args.bucket} with hello.txt")

    # 2. The role EC2 may assume, allowed to read S3, and its instance profile.
    ignore("EntityAlreadyExists", iam.create_role, RoleName=args.role,
           AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName=args.role, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    ignore("EntityAlreadyExists", iam.create_instance_profile, InstanceProfileName=args.role)
    ignore("LimitExceeded", iam.add_role_to_instance_profile, InstanceProfileName=args.role, RoleName=args.role)
    print(f"role and instance profile {args.role}")

    # 3. One instance in each subnet of the prepared VPC, with the role.
    vpc = by_name(ec2.describe_vpcs()["Vpcs"], args.vpc)["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    image = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023*-x86_64"]}])["Images"][0]["ImageId"]
    for subnet_name, instance_name in ((args.public_subnet, "vpce-public"), (args.private_subnet, "vpce-private")):
        subnet = by_name(subnets, subnet_name)["SubnetId"]
        running = ec2.describe_instances(Filters=[
            {"Name": "subnet-id", "Values": [subnet]}, {"Name": "tag:Name", "Values": [instance_name]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
        if not running:
            instance = ec2.run_instances(
                ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet,
                IamInstanceProfile={"Name": args.role},
                TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": instance_name}]}],
            )["Instances"][0]["InstanceId"]
            print(f"instance {instance} ({instance_name}) in {subnet_name}")

    # 4. The gateway endpoint for S3 on the private subnet's route table.
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    private_table = by_name(tables, args.private_route_table)["RouteTableId"]
    service = f"com.amazonaws.{region}.s3"
    endpoints = ec2.describe_vpc_endpoints(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "service-name", "Values": [service]},
        {"Name": "vpc-endpoint-state", "Values": ["available"]}])["VpcEndpoints"]
    if endpoints:
        endpoint = endpoints[0]["VpcEndpointId"]
        if private_table not in endpoints[0]["RouteTableIds"]:
            ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=[private_table])
    else:
        endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=service, VpcEndpointType="Gateway",
                                           RouteTableIds=[private_table])["VpcEndpoint"]["VpcEndpointId"]
    print(f"gateway endpoint {endpoint} on {args.private_route_table}")

    # 5. The bucket policy from the blog: everything not coming through the endpoint is denied.
    policy = {
        "Id": "VPCe",
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VPCe",
            "Action": "s3:*",
            "Effect": "Deny",
            "Resource": f"arn:aws:s3:::{args.bucket}",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": [endpoint]}},
            "Principal": "*",
        }],
    }
    s3.put_bucket_policy(Bucket=args.bucket, Policy=json.dumps(policy))
    print("bucket policy set")


if __name__ == "__main__":
    main()
