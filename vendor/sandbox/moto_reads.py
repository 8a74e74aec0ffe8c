"""Reads the embedded emulator answers as AWS does, where moto 5.2.5 does not.

- EC2 DescribeNatGateways ignores `tag:<key>` and `tag-key` filters in moto: with two
  environments in one region, the second one's plan found the first one's NAT gateway as its own.
  Checked for every Describe vend filters by tag (VPCs, subnets, internet gateways, addresses,
  route tables, security groups, launch templates, images): only NAT gateways needed this
  (tests/sandbox/test_moto_reads.py applies two environments into one region).
"""
from __future__ import annotations

import fnmatch
import functools


def _tag_match(item, name: str, values: list[str]) -> bool:
    tags = {t["key"]: t["value"] for t in item.get_tags()}
    if name == "tag-key":
        return any(fnmatch.fnmatchcase(k, v) for k in tags for v in values)
    key = name[len("tag:"):]
    return key in tags and any(fnmatch.fnmatchcase(tags[key], v) for v in values)


def filter_nat_gateways_by_tag() -> None:
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    original = NatGatewayBackend.describe_nat_gateways
    if getattr(original, "_vend_tag_filters", False):
        return

    @functools.wraps(original)
    def describe_nat_gateways(self, filters, nat_gateway_ids):
        found = original(self, filters, nat_gateway_ids)
        for name, values in (filters or {}).items():
            if name.startswith("tag:") or name == "tag-key":
                found = [nat for nat in found if _tag_match(nat, name, list(values))]
        return found

    describe_nat_gateways._vend_tag_filters = True
    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways
