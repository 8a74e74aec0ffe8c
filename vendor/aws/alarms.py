"""CloudWatch metric alarms, by name. Load balancer and target group dimensions are wanted as ARNs
(what the stack knows) and sent as CloudWatch wants them (`app/<name>/<id>`, `targetgroup/<name>/<id>`)."""
from __future__ import annotations

from vendor.aws.base import Handler, tag_list
from vendor.plan.resources import Observed

def _to_metric(name: str, value: str) -> str:
    if name == "LoadBalancer" and ":loadbalancer/" in value:
        return value.split(":loadbalancer/", 1)[1]
    if name == "TargetGroup" and ":targetgroup/" in value:
        return "targetgroup/" + value.split(":targetgroup/", 1)[1]
    return value


def _to_arn(ctx, name: str, value: str) -> str:
    prefix = f"arn:{ctx.partition}:elasticloadbalancing:{ctx.region}:{ctx.account}:"
    if name == "LoadBalancer" and value.startswith("app/"):
        return prefix + "loadbalancer/" + value
    if name == "TargetGroup" and value.startswith("targetgroup/"):
        return prefix + value
    return value


class MetricAlarm(Handler):
    kind = "metric alarm"

    def read(self, ctx, res, props):
        found = ctx.client("cloudwatch").describe_alarms(AlarmNames=[res.name], AlarmTypes=["MetricAlarm"])["MetricAlarms"]
        if not found:
            return None
        a = found[0]
        actions = sorted(set(a.get("AlarmActions", [])) | set(a.get("OKActions", [])))
        return Observed(res.name, {
            "description": a.get("AlarmDescription"), "treat_missing": a.get("TreatMissingData"),
            "topic": actions[0] if len(actions) == 1 else actions, "namespace": a["Namespace"],
            "metric": a["MetricName"],
            "dimensions": {d["Name"]: _to_arn(ctx, d["Name"], d["Value"]) for d in a.get("Dimensions", [])},
            "statistic": a.get("Statistic"), "period": a["Period"], "evaluation_periods": a["EvaluationPeriods"],
            "threshold": float(a["Threshold"]), "comparison": a["ComparisonOperator"]},
            {"arn": a["AlarmArn"], "state": a["StateValue"]})

    def create(self, ctx, res, props):
        self._put(ctx.client("cloudwatch"), res, props, tags=dict(ctx.tags))
        return self.read(ctx, res, props) or Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        self._put(ctx.client("cloudwatch"), res, props, tags=None)
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("cloudwatch").delete_alarms(AlarmNames=[res.name])

    @staticmethod
    def _put(cloudwatch, res, props, *, tags: dict | None):
        cloudwatch.put_metric_alarm(
            AlarmName=res.name, AlarmDescription=props["description"], ActionsEnabled=True,
            AlarmActions=[props["topic"]], OKActions=[props["topic"]], Namespace=props["namespace"],
            MetricName=props["metric"], Statistic=props["statistic"], Period=props["period"],
            EvaluationPeriods=props["evaluation_periods"], Threshold=props["threshold"],
            ComparisonOperator=props["comparison"], TreatMissingData=props["treat_missing"],
            Dimensions=[{"Name": k, "Value": _to_metric(k, v)} for k, v in sorted(props["dimensions"].items())],
            **({"Tags": tag_list(tags)} if tags else {}))


HANDLERS = [MetricAlarm()]
