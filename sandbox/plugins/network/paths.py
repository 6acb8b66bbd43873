"""The network path of a request an EC2 instance makes to an AWS service.

From the instance's subnet the route table is chosen (the subnet's explicit association, else the
VPC's main table), then the route for the service's address (Amazon VPC User Guide, "Route tables":
"Route priority", longest prefix match):
- a gateway endpoint's route to the service's prefix list (com.amazonaws.<region>.s3) wins over a
  broader route such as 0.0.0.0/0 -> igw-... (AWS PrivateLink guide, "Gateway endpoints": the
  endpoint route is more specific). The service then sees aws:SourceVpce, aws:SourceVpc and
  aws:VpcSourceIp, and no aws:SourceIp (IAM User Guide, global condition keys);
- an internet gateway needs the instance's public IPv4 address, which the service sees as
  aws:SourceIp; a NAT gateway lends its own public address;
- anything else (no route, only the local route, a deleted endpoint) reaches nothing: on AWS the
  client's connection attempt times out.
A gateway endpoint serves its own region only; a request to another region needs the internet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass

VPC_ENDPOINT, INTERNET_GATEWAY, NAT_GATEWAY, NONE = "vpc-endpoint", "internet-gateway", "nat-gateway", "none"
# Stands for "some public AWS address" when the service has no prefix list in the instance's region.
PUBLIC_AWS_ADDRESS = "52.94.0.1"


@dataclass
class NetworkPath:
    via: str  # vpc-endpoint | internet-gateway | nat-gateway | none
    instance_id: str
    service: str
    region: str  # the region of the service the request goes to
    vpc_id: str | None = None
    subnet_id: str | None = None
    route_table_id: str | None = None
    private_ip: str | None = None
    destination: str | None = None  # the chosen route's destination (pl-... or a CIDR)
    target: str | None = None  # the chosen route's target (vpce-..., igw-..., nat-...)
    vpce_id: str | None = None
    source_ip: str | None = None  # the public address the service sees
    problem: str | None = None  # why there is no path: not-running | no-route | no-public-ip | ...

    @property
    def reachable(self) -> bool:
        return self.via != NONE

    def condition_keys(self) -> dict:
        if self.via == VPC_ENDPOINT:
            return {"aws:SourceVpce": self.vpce_id, "aws:SourceVpc": self.vpc_id,
                    "aws:VpcSourceIp": self.private_ip}
        if self.via in (INTERNET_GATEWAY, NAT_GATEWAY):
            return {"aws:SourceIp": self.source_ip}
        return {}

    def as_dict(self) -> dict:
        return asdict(self)


def path_of(account_id: str, region: str, instance_id: str, service: str = "s3",
            service_region: str | None = None) -> NetworkPath:
    """The path from `instance_id` (in account/region) to `service` in `service_region`.
    Raises KeyError when there is no such instance."""
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region]
    try:
        instance = backend.get_instance(instance_id)
    except InvalidInstanceIdError:
        raise KeyError(instance_id) from None
    service_region = service_region or region
    path = NetworkPath(NONE, instance_id, service, service_region, vpc_id=getattr(instance, "vpc_id", None),
                       subnet_id=instance.subnet_id, private_ip=instance.private_ip)
    if instance.state != "running":
        path.problem = "not-running"
        return path
    table = _route_table(backend, path.vpc_id, instance.subnet_id)
    if table is None:
        path.problem = "no-route"
        return path
    path.route_table_id = table.id
    route = _best_route(backend, table, service, service_region, region)
    if route is None:
        path.problem = "no-route"
        return path
    path.destination = route.destination_prefix_list.id if route.destination_prefix_list else \
        route.destination_cidr_block
    _follow(backend, route, instance, path)
    return path


def _route_table(backend, vpc_id, subnet_id):
    main = None
    for table in backend.route_tables.values():
        if table.vpc_id != vpc_id:
            continue
        if subnet_id in table.associations.values():
            return table
        if table.main_association_id is not None:
            main = table
    return main


def _service_prefix_list(backend, service: str, service_region: str, region: str):
    if service_region != region:
        return None  # a gateway endpoint and its prefix list belong to one region
    name = f"com.amazonaws.{service_region}.{service}"
    return next((pl for pl in backend.managed_prefix_lists.values() if pl.prefix_list_name == name), None)


def _best_route(backend, table, service: str, service_region: str, region: str):
    prefix_list = _service_prefix_list(backend, service, service_region, region)
    address = PUBLIC_AWS_ADDRESS
    if prefix_list is not None and prefix_list.entries:
        entries = next(iter(prefix_list.entries.values())) if isinstance(prefix_list.entries, dict) \
            else prefix_list.entries
        first = entries[0] if isinstance(entries, list) else entries
        address = str(ipaddress.ip_network(first["Cidr"]).network_address + 1)
    best, best_len = None, -1
    for route in table.routes.values():
        if route.destination_prefix_list is not None:
            if prefix_list is not None and route.destination_prefix_list.id == prefix_list.id:
                return route  # the service's prefix list is more specific than any CIDR route
            continue
        cidr = route.destination_cidr_block
        if not cidr:
            continue
        network = ipaddress.ip_network(cidr, strict=False)
        if ipaddress.ip_address(address) in network and network.prefixlen > best_len:
            best, best_len = route, network.prefixlen
    return best


def _follow(backend, route, instance, path: NetworkPath) -> None:
    gateway = route.gateway
    gateway_id = getattr(gateway, "id", "") or ""
    if gateway_id.startswith("vpce-"):
        path.target = gateway_id
        endpoint = backend.vpc_end_points.get(gateway_id)
        if endpoint is None or endpoint.state != "available" or endpoint.vpc_id != path.vpc_id:
            path.problem = "endpoint-gone"
            return
        path.via, path.vpce_id = VPC_ENDPOINT, gateway_id
        return
    if gateway_id.startswith("igw-"):
        path.target = gateway_id
        attached = getattr(getattr(gateway, "vpc", None), "id", None)
        if attached != path.vpc_id:
            path.problem = "gateway-detached"
        elif not instance.public_ip:
            path.problem = "no-public-ip"
        else:
            path.via, path.source_ip = INTERNET_GATEWAY, instance.public_ip
        return
    nat = route.nat_gateway
    if nat is not None:
        path.target = nat.id
        public_ip = getattr(getattr(nat, "_eni", None), "public_ip", None)
        if nat.state != "available" or not public_ip:
            path.problem = "nat-no-public-ip"
        else:
            path.via, path.source_ip = NAT_GATEWAY, public_ip
        return
    path.target = gateway_id or ("local" if route.local else None)
    path.problem = "no-internet-target"
