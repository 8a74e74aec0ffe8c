"""What a set of environments needs of an account's service quotas. Pure.

Counted per region, for what vend creates that AWS limits per region (or per zone): VPCs,
Elastic IPs, NAT gateways (one per created VPC, in its first zone) and Application Load Balancers
(a dedicated one per production environment with a domain; each shared one once).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vendor.config.model import Config
from vendor.plan.stack import dedicated


@dataclass(frozen=True)
class Quota:
    key: str
    service: str  # Service Quotas service code
    code: str  # Service Quotas quota code
    name: str


QUOTAS = (
    Quota("vpcs", "vpc", "L-F678F1CE", "VPCs per Region"),
    Quota("elastic_ips", "ec2", "L-0263D0A3", "EC2-VPC Elastic IPs"),
    Quota("nat_gateways", "vpc", "L-FE5A380F", "NAT gateways per Availability Zone"),
    Quota("load_balancers", "elasticloadbalancing", "L-53DA6B97", "Application Load Balancers per Region"),
)


@dataclass(frozen=True)
class Wants:
    """What the configs of one region would add, before subtracting what already exists."""

    created_networks: tuple[str, ...]  # base names of environments with network/create
    load_balancers: tuple[str, ...]  # names of the ALBs the environments use


def wants(configs: Iterable[Config], base_of) -> Wants:
    networks, balancers = [], []
    for c in configs:
        if c.network.create is not None:
            networks.append(base_of(c))
        names = [base_of(c)] if dedicated(c) else list(c.routing.shared_load_balancers)
        balancers += [n for n in names if n not in balancers]
    return Wants(tuple(networks), tuple(balancers))


def needed(quota: str, in_use: int, new: int, limit: int) -> tuple[bool, str]:
    """(fits, how it stands) for `new` more of a quota with `in_use` of `limit` used."""
    total = in_use + new
    return total <= limit, f"{in_use} in use + {new} new = {total} of {limit}"
