"""A dedicated ALB's certificate is checked before anything changes, against the emulator."""
from __future__ import annotations

import pytest

from tests.aws.conftest import PRODUCTION_CERT, copy_config, load
from vendor.aws.certificate_checks import covers
from vendor.aws.observe import observe
from vendor.aws.stack_ops import load_stack
from vendor.config.source import SourceError


def _problems(cloud, path) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load_stack(cloud.context(), load(path))
    return [str(p).replace(str(path), "FILE") for p in caught.value.problems]


def test_wildcards_cover_one_label():
    assert covers("shop.acme.example", ["*.acme.example"]) and covers("Shop.Acme.Example.", ["shop.acme.example"])
    assert not covers("a.shop.acme.example", ["*.acme.example"]) and not covers("acme.example", ["*.acme.example"])


def test_a_certificate_pending_validation_stops_the_plan_before_any_change(cloud, tmp_path):
    pending = cloud.client("acm").request_certificate(DomainName="shop.acme.example", ValidationMethod="DNS")["CertificateArn"]
    path = copy_config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: pending})
    assert _problems(cloud, path) == [
        f"FILE:52 routing/certificate_arn: certificate {pending} is PENDING_VALIDATION, not ISSUED "
        "(add the DNS validation records ACM shows for it and wait until it is ISSUED)"]
    names = [lb["LoadBalancerName"] for lb in cloud.client("elbv2").describe_load_balancers()["LoadBalancers"]]
    assert "vend-acme-production" not in names


def test_a_certificate_for_other_names_is_refused(cloud, tmp_path):
    other = cloud.certificate("www.other.example")
    path = copy_config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: other})
    assert _problems(cloud, path) == [
        f"FILE:52 routing/certificate_arn: certificate {other} covers www.other.example, not shop.acme.example "
        "(give a certificate for these names, or add them to it and re-issue)"]


def test_an_issued_certificate_for_the_domain_plans(cloud, tmp_path):
    issued = cloud.certificate("shop.acme.example")
    path = copy_config("acme-production.yaml", tmp_path, {PRODUCTION_CERT: issued})
    cloud.bake("acme", "production")
    ctx = cloud.context()
    stack = load_stack(ctx, load(path))
    assert observe(ctx, stack.resources)
