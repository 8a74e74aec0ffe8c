"""CloudWatch alarms of one environment and the topic they notify. Pure.

Target 5xx responses, unhealthy hosts (target group), and with a database its CPU and free
storage. Each alarm notifies the environment's alarms topic (`<base>-alarms`, mailed to the
pipeline's approvers) when it goes into ALARM and back to OK.
"""
from __future__ import annotations

from vendor.config.model import Config
from vendor.plan.naming import Names
from vendor.plan.resources import Ref, Resource

ALARM, TOPIC, LB, TG = "metric alarm", "sns topic", "load balancer", "target group"
GIB = 1024 ** 3
TARGET_5XX_PER_5_MINUTES = 10
DB_CPU_PERCENT = 80
FREE_STORAGE_FRACTION = 0.1


def topic_name(n: Names) -> str:
    return f"{n.base}-alarms"


def _alarm(n: Names, what: str, description: str, **settings) -> Resource:
    return Resource(ALARM, f"{n.base}-{what}", {"description": description, "treat_missing": "notBreaching",
                                                 "topic": Ref(TOPIC, topic_name(n), "arn"), **settings})


def alarms(config: Config, n: Names, lb_name: str) -> list[Resource]:
    balancer = {"LoadBalancer": Ref(LB, lb_name, "arn"), "TargetGroup": Ref(TG, n.base, "arn")}
    out = [Resource(TOPIC, topic_name(n), {"subscriptions": sorted(config.pipeline.approvers)},
                    unordered=("subscriptions",)),
           _alarm(n, "target-5xx", f"{TARGET_5XX_PER_5_MINUTES} or more 5xx answers of the app in 5 minutes",
                  namespace="AWS/ApplicationELB", metric="HTTPCode_Target_5XX_Count", dimensions=balancer,
                  statistic="Sum", period=300, evaluation_periods=1, threshold=float(TARGET_5XX_PER_5_MINUTES),
                  comparison="GreaterThanOrEqualToThreshold"),
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
