"""The latency/throttle proxy in front of the moto server: AWS's throttling answers per protocol,
and botocore's adaptive retry mode getting through them."""
from __future__ import annotations

import http.client
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from vendor.sandbox.latency_proxy import LatencyProxy, TokenBucket


@pytest.fixture
def proxy(moto_url):
    running = LatencyProxy(moto_url, latency=0.0, rate=0.01, burst=2).start()  # 2 calls, then none for 100 s
    yield running
    running.stop()


def _client(url: str, service: str, mode: str, attempts: int):
    return boto3.client(service, region_name="eu-west-1", endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"mode": mode, "max_attempts": attempts}))


@pytest.mark.parametrize(("service", "call", "code", "status"), [
    ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
    ("elbv2", lambda c: c.describe_load_balancers(), "Throttling", 400),
    ("logs", lambda c: c.describe_log_groups(), "ThrottlingException", 400),
    ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
])
def test_an_empty_bucket_answers_as_aws_throttles(proxy, service, call, code, status):
    client = _client(proxy.url, service, "standard", 1)  # no retries: the throttling error surfaces
    call(client), call(client)
    with pytest.raises(ClientError) as refused:
        call(client)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert sum(proxy.throttled.values()) >= 1 and sum(proxy.counts.values()) == 2


def test_adaptive_retry_gets_through_the_throttling(moto_url):
    tight = LatencyProxy(moto_url, latency=0.0, rate=4, burst=1).start()
    try:
        client = _client(tight.url, "elbv2", "adaptive", 10)
        for _ in range(4):
            client.describe_load_balancers()
        assert tight.counts["elasticloadbalancing:DescribeLoadBalancers"] == 4
        assert tight.throttled["elasticloadbalancing:DescribeLoadBalancers"] >= 1
    finally:
        tight.stop()


def test_each_action_has_its_own_bucket(proxy):
    client = _client(proxy.url, "elbv2", "standard", 1)
    client.describe_load_balancers(), client.describe_load_balancers()
    client.describe_target_groups()  # another action: its bucket is still full
    assert proxy.throttled == {}


def test_s3_bucket_settings_are_actions_of_their_own(proxy, moto_url):
    s3 = _client(moto_url, "s3", "standard", 1)
    bucket = f"vend-proxy-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client = _client(proxy.url, "s3", "standard", 1)
    client.get_bucket_versioning(Bucket=bucket), client.get_bucket_versioning(Bucket=bucket)
    client.get_bucket_acl(Bucket=bucket)  # a third GET of the bucket, of another setting: not throttled
    assert proxy.throttled == {}
    assert proxy.counts == {"s3:GET ?versioning": 2, "s3:GET ?acl": 1}


def test_a_service_can_have_its_documented_rate(moto_url):
    documented = LatencyProxy(moto_url, latency=0.0, rate=0.01, burst=1, rates={"elasticloadbalancing": (100, 100)}).start()
    try:
        client = _client(documented.url, "elbv2", "standard", 1)
        for _ in range(5):
            client.describe_load_balancers()
        assert documented.throttled == {}
    finally:
        documented.stop()


def test_latency_is_added_per_call(moto_url):
    slow = LatencyProxy(moto_url, latency=0.1, rate=100, burst=100).start()
    try:
        client = _client(slow.url, "elbv2", "standard", 1)
        client.describe_load_balancers()
        started = time.perf_counter()
        client.describe_load_balancers()
        assert time.perf_counter() - started >= 0.1
    finally:
        slow.stop()


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=1, clock=lambda: now[0])
    assert bucket.take() and not bucket.take()
    now[0] = 0.5
    assert bucket.take() and not bucket.take()


def test_the_client_keeps_its_connection_when_the_upstream_closes_its_own(moto_url):
    """The moto server closes every connection after a response; AWS keeps them. `Connection` is
    hop-by-hop: the proxy closes its upstream connection and keeps the client's."""
    running = LatencyProxy(moto_url, latency=0.0).start()
    try:
        host, port = running.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        for _ in range(3):
            connection.request("GET", "/")  # unsigned: moto answers as S3's ListBuckets
            response = connection.getresponse()
            assert response.status == 200 and b"ListAllMyBucketsResult" in response.read()
            assert response.getheader("Connection") is None and not response.will_close
        first = connection.sock
        connection.request("GET", "/")
        connection.getresponse().read()
        assert connection.sock is first  # the same socket served every request
        connection.close()
    finally:
        running.stop()
