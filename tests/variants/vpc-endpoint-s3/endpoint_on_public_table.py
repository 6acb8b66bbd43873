"""Wrong: the gateway endpoint is on the public subnet's route table instead of the private one."""

from _common import endpoint_and_vpc, route_table

EXPECT = {"endpoint-on-private-route-table": "not to"}


def build(learner):
    learner.solve()
    endpoint, _ = endpoint_and_vpc(learner)
    learner.client("ec2").modify_vpc_endpoint(VpcEndpointId=endpoint,
                                              AddRouteTableIds=[route_table(learner, "public_route_table")],
                                              RemoveRouteTableIds=[route_table(learner, "private_route_table")])
