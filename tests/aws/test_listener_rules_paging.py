"""How many calls reading a full shared ALB takes (found by the vending benchmark: moto's and
botocore's default page of 50 rules made a full listener cost 3 DescribeRules calls)."""
from moto import mock_aws

from tests.aws.elb_helpers import aws_env, clients, shared_alb  # noqa: F401  (aws_env: autouse fixture)
from vendor.aws.calls import CallCounter
from vendor.aws.listener_rules import read_shared
from vendor.plan.priority import RULES_PER_LOAD_BALANCER


def test_a_full_load_balancer_is_read_in_one_describe_rules_call_per_listener():
    with mock_aws():
        c = clients()
        alb = shared_alb(c, http=True)
        for i in range(RULES_PER_LOAD_BALANCER):
            c["elbv2"].create_rule(ListenerArn=alb["https"], Priority=i + 1,
                                   Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"h{i}.example"]}}],
                                   Actions=[{"Type": "forward", "TargetGroupArn": alb["tg"]}])
        counter = CallCounter()
        counter.attach(c["elbv2"])
        (shared,) = read_shared(c["elbv2"], [alb["name"]])
    assert len(shared.rules) == RULES_PER_LOAD_BALANCER
    assert counter.calls["elbv2:DescribeRules"] == 2  # the HTTPS and the HTTP listener, every rule in one page
    assert counter.calls["elbv2:DescribeTags"] == RULES_PER_LOAD_BALANCER // 20  # 20 rule ARNs per call
