"""Rollout over 3 real local SSH hosts behind a target group (moto's ELBv2): one at a time,
rollback of the touched hosts when ValidateService fails on host 2, and the group lock."""
from __future__ import annotations

import urllib.request

import boto3
import pytest
from moto import mock_aws

from vendor.aws.target_group import TargetGroupTraffic
from vendor.deploy.bundle import build_bundle
from vendor.deploy.health import HealthCheck
from vendor.deploy.history import DeploymentLocked, GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.deploy.traffic import HealthGatedTraffic
from vendor.ssh import connect, run
from tests.deploy.revisions import python_revision

FAIL_MARKER = "/etc/vend-test-fail-validate"


def _version(host) -> str:
    with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
        return r.read().decode().rsplit(" ", 1)[-1].strip()


@pytest.fixture
def fleet(local_hosts_factory):
    hosts = local_hosts_factory(3)
    yield hosts.hosts
    hosts.stop_all()


@pytest.fixture
def target_group():
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.213.0.0/16")["Vpc"]["VpcId"]
        elbv2 = boto3.client("elbv2", region_name="eu-west-1")
        arn = elbv2.create_target_group(Name="vend-shop-staging", Protocol="HTTP", Port=8080, VpcId=vpc,
                                        TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        yield elbv2, arn


def _rollout(fleet, tmp_path, target_group, **kwargs) -> Rollout:
    elbv2, arn = target_group
    health = HealthCheck("/health", 8080, interval=0.2, timeout=2, healthy_threshold=2, unhealthy_threshold=2)
    traffic = HealthGatedTraffic(TargetGroupTraffic(elbv2, arn, 8080, drain_timeout=10), health)
    return Rollout(fleet, Group("shop-app", "shop-staging", "g-shop"), GroupState(tmp_path / "state", "shop-staging"),
                   traffic=traffic, who="tester", **kwargs)


def test_rollout_then_failed_validate_on_host2_rolls_back_hosts_1_and_2(fleet, tmp_path, target_group):
    elbv2, arn = target_group
    rollout = _rollout(fleet, tmp_path, target_group)
    v1 = build_bundle(python_revision(tmp_path / "v1", version="1"))
    first = rollout.deploy(v1.data, v1.sha256)
    assert first.ok, first.message
    assert [h.host for h in first.hosts] == ["host1", "host2", "host3"]
    assert {tuple(h.events) for h in first.hosts} == {(
        "BlockTraffic", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
        "ValidateService", "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic")}
    assert [_version(h) for h in fleet] == ["1", "1", "1"]
    assert TargetGroupTraffic(elbv2, arn, 8080).registered() == {h.address for h in fleet}

    with connect(fleet[1]) as conn:
        assert run(conn, ["touch", FAIL_MARKER], timeout=10).ok
    v2 = build_bundle(python_revision(tmp_path / "v2", version="2", fail_validate_if=FAIL_MARKER))
    second = rollout.deploy(v2.data, v2.sha256)

    assert not second.ok
    assert second.failed_host == "host2"
    assert second.message == "host2 failed at ValidateService: scripts/validate_service.sh exited with 1"
    assert [h.host for h in second.hosts] == ["host1", "host2"]  # host3 never touched
    assert second.rolled_back_to == v1.sha256
    assert [(h.host, h.ok) for h in second.rollback] == [("host1", True), ("host2", True)]
    assert [_version(h) for h in fleet] == ["1", "1", "1"]
    assert TargetGroupTraffic(elbv2, arn, 8080).registered() == {h.address for h in fleet}
    releases = GroupState(tmp_path / "state", "shop-staging").releases()
    assert [(r["revision"], r["status"]) for r in releases] == [(v1.sha256, "Succeeded"), (v2.sha256, "Failed")]


def test_a_second_deploy_while_one_runs_is_refused_with_the_holder(fleet, tmp_path, target_group):
    state = GroupState(tmp_path / "state", "shop-staging")
    bundle = build_bundle(python_revision(tmp_path / "v", version="1"))
    with state.lock("revision abc (d-HELD)", who="alice"):
        with pytest.raises(DeploymentLocked) as refused:
            _rollout(fleet, tmp_path, target_group).deploy(bundle.data, bundle.sha256)
    assert str(refused.value).startswith("deployment group shop-staging is busy: alice on ")
    assert "has been deploying revision abc (d-HELD) since" in str(refused.value)
