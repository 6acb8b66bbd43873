"""Gateway endpoints and their prefix-list routes, as in AWS.

AWS adds a route "destination = the service's prefix list, target = vpce-..." to every route table
chosen for a gateway endpoint, and removes it when the table is taken off the endpoint or the
endpoint is deleted (AWS PrivateLink guide, "Gateway endpoints": "Routing"). LocalStack (moto) adds
the routes on CreateVpcEndpoint only; ModifyVpcEndpoint with AddRouteTableIds/RemoveRouteTableIds
changes the endpoint's list but not the routes. And an endpoint created without VpcEndpointType
(which defaults to Gateway, EC2 API reference) has no type, so DeleteVpcEndpoints fails on it with
an internal error. This response handler fills both gaps after LocalStack answered successfully.
"""

from __future__ import annotations

import logging

from localstack.aws.api import RequestContext
from localstack.aws.chain import HandlerChain
from localstack.http import Response

LOG = logging.getLogger(__name__)


def keep_endpoint_routes(chain: HandlerChain, context: RequestContext, response: Response) -> None:
    if context.service is None or context.service.service_name != "ec2" or context.operation is None:
        return
    if response is None or response.status_code >= 400:
        return
    name = context.operation.name
    if name not in ("CreateVpcEndpoint", "ModifyVpcEndpoint"):
        return
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[context.account_id][context.region]
    if name == "CreateVpcEndpoint":
        endpoint_id = ((context.service_response or {}).get("VpcEndpoint") or {}).get("VpcEndpointId")
        endpoint = backend.vpc_end_points.get(endpoint_id)
        if endpoint is not None and not endpoint.vpc_endpoint_type:
            endpoint.vpc_endpoint_type = "Gateway"
        return
    request = context.service_request or {}
    endpoint = backend.vpc_end_points.get(request.get("VpcEndpointId"))
    if endpoint is None or (endpoint.vpc_endpoint_type or "Gateway").lower() != "gateway":
        return
    prefix_list = endpoint.destination_prefix_list_id
    if not prefix_list:
        return
    for table_id in request.get("AddRouteTableIds") or []:
        table = backend.route_tables.get(table_id)
        if table is not None and not any(_is_endpoint_route(r, prefix_list) for r in table.routes.values()):
            backend.create_route(table_id, None, gateway_id=endpoint.id, destination_prefix_list_id=prefix_list)
    for table_id in request.get("RemoveRouteTableIds") or []:
        table = backend.route_tables.get(table_id)
        if table is not None and any(_is_endpoint_route(r, prefix_list) for r in table.routes.values()):
            backend.delete_route(table_id, None, destination_prefix_list_id=prefix_list)


def _is_endpoint_route(route, prefix_list_id: str) -> bool:
    found = getattr(route, "destination_prefix_list", None)
    return found is not None and found.id == prefix_list_id
