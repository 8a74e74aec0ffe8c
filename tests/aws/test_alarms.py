"""The CloudWatch alarm handler against the moto server: the target 5xx alarm is a metric-math
rate over the environment's own load balancer and target group, sent as CloudWatch's dimension
forms, and read back shaped as wanted (a second apply changes nothing)."""
from __future__ import annotations

import uuid

from vendor.aws.alarms import MetricAlarm
from vendor.plan.alarms import RATE_5XX
from vendor.plan.resources import Resource


def _two_balancers(cloud) -> tuple[list[dict], str]:
    ec2, elbv2 = cloud.client("ec2"), cloud.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.61.{i}.0/24", AvailabilityZone=f"eu-west-1{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    tag = uuid.uuid4().hex[:8]
    lbs = [elbv2.create_load_balancer(Name=f"alarm-{tag}-{i}", Subnets=subnets)["LoadBalancers"][0] for i in (1, 2)]
    tg = elbv2.create_target_group(Name=f"alarm-{tag}", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    return lbs, tg["TargetGroupArn"]


def test_the_5xx_alarm_is_a_rate_on_the_load_balancer_the_rule_is_on(cloud):
    lbs, tg = _two_balancers(cloud)
    second = lbs[1]  # the environment's rule landed on the second shared ALB, not the first listed
    ctx = cloud.context()
    ctx.tags = {"ManagedBy": "vend", "Customer": "acme", "Environment": "staging"}
    name = f"vend-acme-staging-target-5xx-{uuid.uuid4().hex[:6]}"
    props = {"description": "5xx rate", "treat_missing": "notBreaching",
             "topic": "arn:aws:sns:eu-west-1:123456789012:vend-acme-staging-alarms",
             "namespace": "AWS/ApplicationELB", "dimensions": {"LoadBalancer": second["LoadBalancerName"], "TargetGroup": tg},
             "statistic": "Sum", "period": 300, "metrics": {"errors": "HTTPCode_Target_5XX_Count", "requests": "RequestCount"},
             "expression": RATE_5XX, "evaluation_periods": 1, "threshold": 5.0, "comparison": "GreaterThanOrEqualToThreshold"}
    handler, res = MetricAlarm(), Resource("metric alarm", name, props)
    handler.create(ctx, res, props)

    [alarm] = cloud.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert "MetricName" not in alarm or not alarm["MetricName"]  # no single count metric
    dimensions = [{"Name": "LoadBalancer", "Value": second["LoadBalancerArn"].split(":loadbalancer/")[1]},
                  {"Name": "TargetGroup", "Value": "targetgroup/" + tg.split(":targetgroup/")[1]}]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert sorted(queries) == ["errors", "rate", "requests"]
    assert (queries["rate"]["Expression"], queries["rate"]["ReturnData"]) == (RATE_5XX, True)
    for query, metric in (("errors", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount")):
        stat = queries[query]["MetricStat"]
        assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"], stat["Period"], stat["Stat"]) == (
            "AWS/ApplicationELB", metric, 300, "Sum")
        assert stat["Metric"]["Dimensions"] == dimensions
        assert queries[query]["ReturnData"] is False
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (5.0, "GreaterThanOrEqualToThreshold")

    observed = handler.read(ctx, res, props)
    assert observed.props == props  # converges: a second apply sees nothing to change
    assert observed.attrs["state"] == alarm["StateValue"]  # what vend status shows


def test_a_count_alarm_on_a_load_balancer_name_is_sent_in_cloudwatchs_form(cloud):
    lbs, tg = _two_balancers(cloud)
    ctx = cloud.context()
    ctx.tags = {"ManagedBy": "vend", "Customer": "acme", "Environment": "staging"}
    name = f"vend-acme-staging-unhealthy-hosts-{uuid.uuid4().hex[:6]}"
    props = {"description": "unhealthy", "treat_missing": "notBreaching",
             "topic": "arn:aws:sns:eu-west-1:123456789012:vend-acme-staging-alarms", "namespace": "AWS/ApplicationELB",
             "metric": "UnHealthyHostCount", "dimensions": {"LoadBalancer": lbs[1]["LoadBalancerName"], "TargetGroup": tg},
             "statistic": "Maximum", "period": 60, "evaluation_periods": 3, "threshold": 1.0,
             "comparison": "GreaterThanOrEqualToThreshold"}
    handler, res = MetricAlarm(), Resource("metric alarm", name, props)
    handler.create(ctx, res, props)
    [alarm] = cloud.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]}["LoadBalancer"] == (
        lbs[1]["LoadBalancerArn"].split(":loadbalancer/")[1])
    assert handler.read(ctx, res, props).props == props
