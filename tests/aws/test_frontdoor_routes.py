"""Front-door routes read from ELBv2 (moto): rule conditions plus registered targets, mapped to addresses."""
from __future__ import annotations

from moto import mock_aws

from vendor.aws.frontdoor_routes import routes
from tests.aws.elb_helpers import aws_env, clients, shared_alb  # noqa: F401  (aws_env: autouse fixture)


@mock_aws
def test_routes_carry_conditions_and_registered_targets():
    c = clients()
    alb = shared_alb(c)
    ec2 = c["ec2"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    c["elbv2"].register_targets(TargetGroupArn=alb["tg"], Targets=[{"Id": instance, "Port": 8080}])
    c["elbv2"].create_rule(ListenerArn=alb["https"], Priority=7,
                           Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["shop.example.com"]}},
                                       {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
                           Actions=[{"Type": "forward", "TargetGroupArn": alb["tg"]}])
    found = routes(c["elbv2"], {instance: "10.213.9.2"}.get)
    assert [(r.priority, r.hosts, r.paths, r.targets) for r in found] == [
        (7, ("shop.example.com",), ("/*",), (("10.213.9.2", 8080),))]
    assert routes(c["elbv2"], lambda target: None)[0].targets == ()  # an unknown target is not routed to
