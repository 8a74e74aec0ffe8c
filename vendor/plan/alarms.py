"""CloudWatch alarms of one environment and the topic they notify. Pure.

The rate of the app's 5xx answers (metric math: HTTPCode_Target_5XX_Count / RequestCount),
unhealthy hosts, and with a database its CPU and free storage. The load balancer alarms watch
the environment's own target group on the load balancer its listener rule is on (its dedicated
ALB, or whichever of the shared ALBs took the rule). Each alarm notifies the environment's alarms
topic (`<base>-alarms`, mailed to the pipeline's approvers) when it goes into ALARM and back to OK.
"""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan.naming import Names
from vendor.plan.resources import Ref, Resource

ALARM, TOPIC, RULE, TG = "metric alarm", "sns topic", "listener rule", "target group"
GIB = 1024 ** 3
TARGET_5XX_PERCENT = 5
MIN_REQUESTS = 10  # fewer requests in 5 minutes say too little: one 5xx of 2 requests is no outage
# percent of the app's answers that were 5xx; no 5xx datapoint is 0 errors; too few requests is 0
RATE_5XX = f"IF(FILL(requests, 0) >= {MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)"
DB_CPU_PERCENT = 80
FREE_STORAGE_FRACTION = 0.1


def topic_name(n: Names) -> str:
    return f"{n.base}-alarms"


def _alarm(n: Names, what: str, description: str, **settings) -> Resource:
    return Resource(ALARM, f"{n.base}-{what}", {"description": description, "treat_missing": "notBreaching",
                                                 "topic": Ref(TOPIC, topic_name(n), "arn"), **settings})


def alarms(config: Config, n: Names, rule: str) -> list[Resource]:
    """`rule`: the name of the environment's listener rule; its load balancer is the one watched."""
    balancer = {"LoadBalancer": Ref(RULE, rule, "load_balancer"), "TargetGroup": Ref(TG, n.base, "arn")}
    out = [Resource(TOPIC, topic_name(n), {"subscriptions": sorted(config.pipeline.approvers)},
                    unordered=("subscriptions",)),
           _alarm(n, "target-5xx", f"{TARGET_5XX_PERCENT}% or more of the app's answers were 5xx in 5 minutes "
                                   f"(of {MIN_REQUESTS} or more requests)",
                  namespace="AWS/ApplicationELB", dimensions=balancer, statistic="Sum", period=300,
                  metrics={"errors": "HTTPCode_Target_5XX_Count", "requests": "RequestCount"}, expression=RATE_5XX,
                  evaluation_periods=1, threshold=float(TARGET_5XX_PERCENT), comparison="GreaterThanOrEqualToThreshold"),
           _alarm(n, "unhealthy-hosts", "a host failed the target group's health check for 3 minutes",
                  namespace="AWS/ApplicationELB", metric="UnHealthyHostCount", dimensions=balancer,
                  statistic="Maximum", period=60, evaluation_periods=3, threshold=1.0,
                  comparison="GreaterThanOrEqualToThreshold")]
    db = config.database
    database = {"DBInstanceIdentifier": n.base}
    cpu = _alarm(n, "db-cpu", f"database CPU above {DB_CPU_PERCENT}% for 15 minutes", namespace="AWS/RDS",
                 metric="CPUUtilization", dimensions=database, statistic="Average", period=300,
                 evaluation_periods=3, threshold=float(DB_CPU_PERCENT), comparison="GreaterThanThreshold")
    storage = _alarm(n, "db-free-storage", f"database free storage below {FREE_STORAGE_FRACTION:.0%}",
                     namespace="AWS/RDS", metric="FreeStorageSpace", dimensions=database, statistic="Minimum",
                     period=300, evaluation_periods=1,
                     threshold=float(int((db.storage_gb if db else 20) * GIB * FREE_STORAGE_FRACTION)),
                     comparison="LessThanThreshold")
    if db is None:
        cpu, storage = (Resource(ALARM, r.name, present=False) for r in (cpu, storage))
    return out + [cpu, storage]
