"""The network of an environment: the given VPC and subnets, or a VPC vend creates. Pure.

A created VPC spans `az_count` zones with one public and one private subnet in each: the VPC's
CIDR is cut into 8 equal blocks; public subnets take blocks 0-2, private ones blocks 4-6. Public
subnets route to an internet gateway; private ones to one NAT gateway in the first public subnet.
Subnets of zones beyond `az_count` (after lowering it) are planned as unwanted, so apply removes them.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vendor.config.model import Config
from vendor.plan.naming import Facts, names
from vendor.plan.resources import Ref, Resource

VPC, IGW, SUBNET, EIP, NAT, ROUTES = ("vpc", "internet gateway", "subnet", "elastic ip", "nat gateway",
                                      "route table")
MAX_ZONES = 3
PRIVATE_OFFSET = 4
ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class Network:
    resources: tuple[Resource, ...]
    vpc: object  # a VPC id, or a Ref to the VPC vend creates
    public: tuple  # subnet ids or Refs, one per zone
    private: tuple


class NetworkPlanError(ValueError):
    pass


def network(config: Config, facts: Facts) -> Network:
    n = config.network
    if n.create is None:
        return Network(tuple(_created(config, facts, wanted=False)), n.vpc_id,
                       tuple(n.public_subnet_ids), tuple(n.private_subnet_ids))
    resources = _created(config, facts, wanted=True)
    b = names(config, facts).base
    count = n.create.az_count
    public = tuple(Ref(SUBNET, f"{b}-public-{i + 1}") for i in range(count))
    private = tuple(Ref(SUBNET, f"{b}-private-{i + 1}") for i in range(count))
    return Network(tuple(resources), Ref(VPC, b), public, private)


def _created(config: Config, facts: Facts, *, wanted: bool) -> list[Resource]:
    b = names(config, facts).base
    create = config.network.create
    count = create.az_count if wanted else 0
    if wanted and len(facts.zones) < count:
        raise NetworkPlanError(f"network/create/az_count is {count} but {facts.region} has "
                               f"{len(facts.zones)} available zones; lower az_count")
    blocks = list(ipaddress.IPv4Network(create.cidr).subnets(prefixlen_diff=3)) if wanted else []
    vpc = Ref(VPC, b)
    out = [Resource(VPC, b, {"cidr": create.cidr, "dns_hostnames": True} if wanted else {}, present=wanted,
                    immutable=("cidr",)),
           Resource(IGW, b, {"vpc": vpc} if wanted else {}, present=wanted)]
    subnets = {"public": [], "private": []}
    for kind, offset in (("public", 0), ("private", PRIVATE_OFFSET)):
        for i in range(MAX_ZONES):
            name = f"{b}-{kind}-{i + 1}"
            here = i < count
            props = ({"vpc": vpc, "cidr": str(blocks[offset + i]), "zone": facts.zones[i],
                      "public_ips": kind == "public"} if here else {})
            out.append(Resource(SUBNET, name, props, present=here, immutable=("vpc", "cidr", "zone")))
            if here:
                subnets[kind].append(Ref(SUBNET, name))
    out.append(Resource(EIP, f"{b}-nat", {}, present=wanted))
    out.append(Resource(NAT, b, {"subnet": Ref(SUBNET, f"{b}-public-1"), "allocation": Ref(EIP, f"{b}-nat")}
                        if wanted else {}, present=wanted, immutable=("subnet", "allocation")))
    for kind, target in (("public", Ref(IGW, b)), ("private", Ref(NAT, b))):
        props = {"vpc": vpc, "routes": {ANYWHERE: target}, "subnets": subnets[kind]} if wanted else {}
        out.append(Resource(ROUTES, f"{b}-{kind}", props, present=wanted, immutable=("vpc",),
                            unordered=("subnets",)))
    return out
