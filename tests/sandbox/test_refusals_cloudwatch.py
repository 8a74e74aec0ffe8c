"""CloudWatch rules of the emulator's "AWS refuses this" layer, through the moto server: a
metric-math alarm (the target 5xx rate) is refused where PutMetricAlarm refuses it."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def _cloudwatch(moto_url):
    return boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _query(query_id: str, metric: str) -> dict:
    return {"Id": query_id, "ReturnData": False, "MetricStat": {"Metric": {
        "Namespace": "AWS/ApplicationELB", "MetricName": metric}, "Period": 300, "Stat": "Sum"}}


ALARM = dict(AlarmName="refusal-rate", EvaluationPeriods=1, Threshold=5.0, ComparisonOperator="GreaterThanOrEqualToThreshold")


@pytest.mark.parametrize("extra, message", [
    ({"Metrics": [_query("errors", "HTTPCode_Target_5XX_Count"), _query("requests", "RequestCount")]},
     "Exactly one element of the metrics list should return data."),
    ({"Metrics": [_query("errors", "HTTPCode_Target_5XX_Count"),
                  {"Id": "a", "Expression": "errors * 2", "ReturnData": True},
                  {"Id": "b", "Expression": "errors * 3", "ReturnData": True}]},
     "Exactly one element of the metrics list should return data."),
    ({"Metrics": [_query("errors", "HTTPCode_Target_5XX_Count"), {"Id": "rate", "Expression": "errors", "ReturnData": True}],
      "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Statistic": "Sum", "Period": 300},
     "With the Metrics parameter, an alarm takes none of Namespace, MetricName, Dimensions, Period, Unit, Statistic "
     "and ExtendedStatistic (they go into the Metrics list)."),
])
def test_a_metric_math_alarm_aws_refuses_is_refused(moto_url, extra, message):
    with pytest.raises(ClientError) as refused:
        _cloudwatch(moto_url).put_metric_alarm(**ALARM, **extra)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationError", message)


def test_a_well_formed_rate_alarm_passes(moto_url):
    cloudwatch = _cloudwatch(moto_url)
    cloudwatch.put_metric_alarm(**ALARM, Metrics=[
        _query("errors", "HTTPCode_Target_5XX_Count"), _query("requests", "RequestCount"),
        {"Id": "rate", "Expression": "100 * FILL(errors, 0) / requests", "ReturnData": True}])
    assert cloudwatch.describe_alarms(AlarmNames=["refusal-rate"])["MetricAlarms"][0]["AlarmName"] == "refusal-rate"
