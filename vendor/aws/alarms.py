"""CloudWatch metric alarms, by name: one metric (`metric`), or metric math (`expression` over
`metrics`, {query id: metric name}, each with the alarm's namespace, dimensions, statistic and
period). A load balancer dimension is wanted as the load balancer's name (the listener rule says
which ALB the environment is on) or ARN, a target group as its ARN; CloudWatch wants them as
`app/<name>/<id>` and `targetgroup/<name>/<id>`, and they are read back as wanted."""
from __future__ import annotations

from vendor.aws.base import Handler, tag_list
from vendor.plan.resources import Observed

RESULT = "rate"  # the id of the expression whose value the alarm compares with its threshold


def _to_metric(elbv2, name: str, value: str) -> str:
    if name == "LoadBalancer" and ":loadbalancer/" not in value and "/" not in value:
        value = elbv2().describe_load_balancers(Names=[value])["LoadBalancers"][0]["LoadBalancerArn"]
    if name == "LoadBalancer" and ":loadbalancer/" in value:
        return value.split(":loadbalancer/", 1)[1]
    if name == "TargetGroup" and ":targetgroup/" in value:
        return "targetgroup/" + value.split(":targetgroup/", 1)[1]
    return value


def _as_wanted(ctx, name: str, value: str, wanted: str | None) -> str:
    """A dimension as CloudWatch keeps it, in the form the wanted one has (name or ARN)."""
    prefix = f"arn:{ctx.partition}:elasticloadbalancing:{ctx.region}:{ctx.account}:"
    if name == "LoadBalancer" and value.startswith("app/"):
        wanted_arn = isinstance(wanted, str) and wanted.startswith("arn:")
        return prefix + "loadbalancer/" + value if wanted_arn else value.split("/")[1]
    if name == "TargetGroup" and value.startswith("targetgroup/"):
        return prefix + value
    return value


def _dimensions(ctx, found: list[dict], wanted: dict) -> dict:
    return {d["Name"]: _as_wanted(ctx, d["Name"], d["Value"], wanted.get(d["Name"])) for d in found}


class MetricAlarm(Handler):
    kind = "metric alarm"

    def read(self, ctx, res, props):
        found = ctx.client("cloudwatch").describe_alarms(AlarmNames=[res.name], AlarmTypes=["MetricAlarm"])["MetricAlarms"]
        if not found:
            return None
        a = found[0]
        actions = sorted(set(a.get("AlarmActions", [])) | set(a.get("OKActions", [])))
        wanted_dims = dict(props.get("dimensions") or {})
        common = {"description": a.get("AlarmDescription"), "treat_missing": a.get("TreatMissingData"),
                  "topic": actions[0] if len(actions) == 1 else actions}
        tail = {"evaluation_periods": a["EvaluationPeriods"], "threshold": float(a["Threshold"]),
                "comparison": a["ComparisonOperator"]}
        queries = a.get("Metrics") or []
        if queries:
            stats = [q for q in queries if q.get("MetricStat")]
            first = stats[0]["MetricStat"] if stats else {}
            expression = next((q.get("Expression") for q in queries if q.get("ReturnData") and q.get("Expression")), None)
            observed = {**common, "namespace": first.get("Metric", {}).get("Namespace"),
                        "dimensions": _dimensions(ctx, first.get("Metric", {}).get("Dimensions", []), wanted_dims),
                        "statistic": first.get("Stat"), "period": first.get("Period"),
                        "metrics": {q["Id"]: q["MetricStat"]["Metric"]["MetricName"] for q in stats},
                        "expression": expression, **tail}
        else:
            observed = {**common, "namespace": a.get("Namespace"), "metric": a.get("MetricName"),
                        "dimensions": _dimensions(ctx, a.get("Dimensions", []), wanted_dims),
                        "statistic": a.get("Statistic"), "period": a.get("Period"), **tail}
        return Observed(res.name, observed, {"arn": a["AlarmArn"], "state": a["StateValue"]})

    def create(self, ctx, res, props):
        self._put(ctx, res, props, tags=dict(ctx.tags))
        return self.read(ctx, res, props) or Observed(res.name, props)

    def update(self, ctx, res, props, observed, changed):
        self._put(ctx, res, props, tags=None)
        return Observed(res.name, props, observed.attrs)

    def delete(self, ctx, res, observed):
        ctx.client("cloudwatch").delete_alarms(AlarmNames=[res.name])

    @staticmethod
    def _put(ctx, res, props, *, tags: dict | None):
        elbv2 = lambda: ctx.client("elbv2")  # noqa: E731 - only a load balancer given by name needs it
        dimensions = [{"Name": k, "Value": _to_metric(elbv2, k, v)} for k, v in sorted(props["dimensions"].items())]
        if props.get("expression"):
            what = {"Metrics": [
                *({"Id": query, "ReturnData": False, "MetricStat": {
                    "Metric": {"Namespace": props["namespace"], "MetricName": metric, "Dimensions": dimensions},
                    "Period": props["period"], "Stat": props["statistic"]}} for query, metric in props["metrics"].items()),
                {"Id": RESULT, "Expression": props["expression"], "Label": res.name, "ReturnData": True}]}
        else:
            what = {"Namespace": props["namespace"], "MetricName": props["metric"], "Statistic": props["statistic"],
                    "Period": props["period"], "Dimensions": dimensions}
        ctx.client("cloudwatch").put_metric_alarm(
            AlarmName=res.name, AlarmDescription=props["description"], ActionsEnabled=True,
            AlarmActions=[props["topic"]], OKActions=[props["topic"]], EvaluationPeriods=props["evaluation_periods"],
            Threshold=props["threshold"], ComparisonOperator=props["comparison"], TreatMissingData=props["treat_missing"],
            **what, **({"Tags": tag_list(tags)} if tags else {}))


HANDLERS = [MetricAlarm()]
