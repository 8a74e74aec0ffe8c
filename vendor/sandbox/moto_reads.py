"""Reads the embedded emulator answers as AWS does, where moto 5.2.5 does not.

- EC2 DescribeNatGateways ignores `tag:<key>` and `tag-key` filters in moto: with two
  environments in one region, the second one's plan found the first one's NAT gateway as its own.
  Checked for every Describe vend filters by tag (VPCs, subnets, internet gateways, addresses,
  route tables, security groups, launch templates, images): only NAT gateways needed this
  (tests/sandbox/test_moto_reads.py applies two environments into one region).
- EC2 DescribeLaunchTemplateVersions without a template ("the latest or default version of every
  launch template in your account", as AWS documents it) was cut at MaxResults (15 by default)
  with no NextToken, so a listing of more templates ended early without saying so. Here it pages
  to the end with NextToken, as AWS does.
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


def page_every_templates_versions() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.responses.launch_templates import LaunchTemplates

    original = LaunchTemplates.describe_launch_template_versions
    if getattr(original, "_vend_paged", False):
        return

    @functools.wraps(original)
    def describe_launch_template_versions(self):
        if self._get_param("LaunchTemplateName") or self._get_param("LaunchTemplateId"):
            return original(self)
        self.error_on_dryrun()
        every = self.ec2_backend.describe_launch_template_versions(
            template_name=None, template_id=None, versions=self._get_param("Versions", []), min_version=None,
            max_version=None, max_results=None)
        start, size = int(self._get_param("NextToken") or 0), self._get_int_param("MaxResults", 15)
        page = every[start:start + size]
        result = {"LaunchTemplateVersions": [
            {"CreateTime": version.create_time, "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
             "DefaultVersion": template.is_default(version), "LaunchTemplateData": version.data,
             "LaunchTemplateId": template.id, "LaunchTemplateName": template.name,
             "VersionDescription": version.description, "VersionNumber": version.number}
            for template, version in page]}
        if start + size < len(every):
            result["NextToken"] = str(start + size)
        return ActionResult(result)

    describe_launch_template_versions._vend_paged = True
    LaunchTemplates.describe_launch_template_versions = describe_launch_template_versions
