"""How many calls reading the shared ALBs takes as they fill up (found by the vending benchmark):
a full listener is one DescribeRules page, and a full load balancer the environment's target group
is not attached to is read without its rules' tags."""
from moto import mock_aws

from tests.aws.elb_helpers import aws_env, clients, shared_alb, target_group  # noqa: F401  (aws_env: autouse fixture)
from vendor.aws.calls import CallCounter
from vendor.aws.listener_rules import attached_load_balancers, read_shared
from vendor.plan.priority import RULES_PER_LOAD_BALANCER

FOREIGN = [{"Key": "ManagedBy", "Value": "vend"}, {"Key": "Customer", "Value": "other"},
           {"Key": "Environment", "Value": "staging"}]


def _fill(c, alb, count, target_group_arn, start=1):
    for i in range(start, start + count):
        c["elbv2"].create_rule(ListenerArn=alb["https"], Priority=i, Tags=FOREIGN,
                               Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [f"h{i}.example"]}}],
                               Actions=[{"Type": "forward", "TargetGroupArn": target_group_arn}])


def test_a_full_load_balancer_is_read_in_one_describe_rules_call_per_listener():
    with mock_aws():
        c = clients()
        alb = shared_alb(c, http=True)
        _fill(c, alb, RULES_PER_LOAD_BALANCER, alb["tg"])
        counter = CallCounter()
        counter.attach(c["elbv2"])
        (shared,) = read_shared(c["elbv2"], [alb["name"]])
    assert len(shared.rules) == RULES_PER_LOAD_BALANCER
    assert counter.calls["elbv2:DescribeRules"] == 2  # the HTTPS and the HTTP listener, every rule in one page
    assert counter.calls["elbv2:DescribeTags"] == RULES_PER_LOAD_BALANCER // 20  # 20 rule ARNs per call


def test_a_full_load_balancer_the_target_group_is_not_attached_to_is_read_without_tags():
    with mock_aws():
        c = clients()
        full, mine = shared_alb(c, "vend-shared-1"), shared_alb(c, "vend-shared-2", cidr=2)
        _fill(c, full, RULES_PER_LOAD_BALANCER, full["tg"])
        ours = target_group(c, "vend-shop-staging", mine["vpc"])
        _fill(c, mine, 3, mine["tg"])
        c["elbv2"].create_rule(ListenerArn=mine["https"], Priority=50, Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": ours}], Tags=[
            {"Key": "ManagedBy", "Value": "vend"}, {"Key": "Customer", "Value": "shop"},
            {"Key": "Environment", "Value": "staging"}])
        attached = attached_load_balancers(c["elbv2"], ours)
        assert attached == {mine["lb"]}
        assert attached_load_balancers(c["elbv2"], target_group(c, "new", mine["vpc"])) == set()

        counter = CallCounter()
        counter.attach(c["elbv2"])
        first, second = read_shared(c["elbv2"], [full["name"], mine["name"]], attached=attached)
    assert counter.calls["elbv2:DescribeTags"] == 1  # the 4 rules of vend-shared-2 only
    assert len(first.rules) == RULES_PER_LOAD_BALANCER and {r.owner for r in first.rules} == {None}
    assert [r.owner for r in second.rules if r.priority == 50] == [("shop", "staging")]
