"""Reads of vendor/aws/observe.py that find more than one match are errors, never "the first"."""
from __future__ import annotations

import pytest

from tests.aws.conftest import Cloud
from vendor.aws.base import StackError
from vendor.aws.observe import shared_certificate


def test_two_shared_certificates_are_an_error_not_the_first(moto_url):
    cloud = Cloud(moto_url)
    region = "sa-east-1"
    one = cloud.certificate("*.one.example", shared=True, region=region)
    ctx = cloud.context(region)
    assert shared_certificate(ctx) == one
    two = cloud.certificate("*.two.example", shared=True, region=region)
    with pytest.raises(StackError) as several:
        shared_certificate(ctx)
    assert str(several.value) == (
        f"2 issued certificates in {region} are tagged ManagedBy=vend, Shared=true ({', '.join(sorted([one, two]))}); "
        "give one with --shared-certificate ARN, or untag the others")


def test_two_listener_rules_of_one_environment_are_an_error_not_the_first(moto_url):
    from tests.aws.elb_helpers import clients, shared_alb
    from vendor.aws.load_balancing import ListenerRule
    from vendor.plan.resources import Resource

    c = clients(moto_url)
    alb = shared_alb(c, "vend-shared-twice", cidr=61)
    tags = [{"Key": "Customer", "Value": "twice"}, {"Key": "Environment", "Value": "staging"},
            {"Key": "ManagedBy", "Value": "vend"}]
    arns = [c["elbv2"].create_rule(ListenerArn=alb["https"], Priority=priority, Tags=tags,
                                   Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
                                   Actions=[{"Type": "forward", "TargetGroupArn": alb["tg"]}])["Rules"][0]["RuleArn"]
            for priority, host in ((11, "a.twice.example"), (12, "b.twice.example"))]
    ctx = Cloud(moto_url).context()
    ctx.tags = {t["Key"]: t["Value"] for t in tags}
    res = Resource("listener rule", "vend-twice-staging-shared", {"load_balancers": ["vend-shared-twice"]})
    with pytest.raises(StackError) as several:
        ListenerRule().read(ctx, res, {"load_balancers": ["vend-shared-twice"], "target_group": alb["tg"]})
    assert str(several.value) == (
        f"customer twice environment staging has 2 vend listener rules: priority 11 on vend-shared-twice ({arns[0]}), "
        f"priority 12 on vend-shared-twice ({arns[1]}); delete all but one of them, then apply again")
