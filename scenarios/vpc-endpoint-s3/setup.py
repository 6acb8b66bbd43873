"""Preconditions of vpc-endpoint-s3: a VPC with a public subnet (route 0.0.0.0/0 to an internet
gateway, public IPv4 addresses on launch) and a private subnet (local route only), each with its own
route table, tagged with the scenario's names; S3 policy enforcement switched on for the account
(bucket policies are the point of the lesson)."""

from __future__ import annotations


def _tag(name: str) -> list[dict]:
    return [{"Key": "Name", "Value": name}]


def setup(env) -> None:
    names = env.names
    ec2 = env.client("ec2")
    # The first EC2 call of a fresh emulator loads the service and can outlast the client's patience;
    # let an idempotent call take that, so a retried CreateVpc cannot leave a second, empty VPC.
    ec2.describe_vpcs()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": _tag(names["vpc"])}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    zone = f"{env.region}a"
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone=zone, TagSpecifications=[
        {"ResourceType": "subnet", "Tags": _tag(names["public_subnet"])}])["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=zone, TagSpecifications=[
        {"ResourceType": "subnet", "Tags": _tag(names["private_subnet"])}])["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": _tag(names["vpc"] + "-igw")}])["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    for subnet, table_name, internet in ((public, names["public_route_table"], True),
                                         (private, names["private_route_table"], False)):
        table = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
            {"ResourceType": "route-table", "Tags": _tag(table_name)}])["RouteTable"]["RouteTableId"]
        if internet:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    env.emulator.s3_enforcement(env.account_id, True, set_it=True)
