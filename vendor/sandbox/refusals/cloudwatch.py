"""CloudWatch: what AWS refuses and moto accepts.

moto stores any PutMetricAlarm. AWS takes either one metric (MetricName, Namespace, Dimensions,
Period, Statistic, ...) or a Metrics list of metric-math queries, never both, and in a Metrics
list exactly one query returns data: the value the alarm watches (vend's target 5xx rate).
"""
from __future__ import annotations

from moto.cloudwatch.exceptions import CloudWatchException

from vendor.sandbox.refusals import refuses

PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
METRIC_DATA_QUERY = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html"
SINGLE_METRIC = ("namespace", "metric_name", "dimensions", "period", "unit", "statistic", "extended_statistic")


def _returns_data(query) -> bool:
    value = getattr(query, "return_data", None)
    return value is None or str(value).lower() == "true"  # ReturnData defaults to true


@refuses("moto.cloudwatch.models:CloudWatchBackend.put_metric_alarm", "ValidationError", METRIC_DATA_QUERY,
         CloudWatchException)
def one_query_returns_data(backend, *args, metric_data_queries=None, **kwargs) -> str | None:
    """A metric-math alarm has exactly one query with ReturnData true."""
    if metric_data_queries and sum(_returns_data(q) for q in metric_data_queries) != 1:
        return "Exactly one element of the metrics list should return data."
    return None


@refuses("moto.cloudwatch.models:CloudWatchBackend.put_metric_alarm", "ValidationError", PUT_METRIC_ALARM,
         CloudWatchException)
def metrics_or_one_metric(backend, *args, metric_data_queries=None, **kwargs) -> str | None:
    """An alarm watches one metric or a Metrics list, not both."""
    if metric_data_queries and any(kwargs.get(name) for name in SINGLE_METRIC):
        return ("With the Metrics parameter, an alarm takes none of Namespace, MetricName, Dimensions, Period, Unit, "
                "Statistic and ExtendedStatistic (they go into the Metrics list).")
    return None
