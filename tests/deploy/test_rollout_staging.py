"""Round trips of a rollout on real local SSH hosts, counted by the ssh layer (not timed): one agent
run per stretch between traffic changes, the agent uploaded only when its hash differs, bundles
pre-staged on the next host, and pre-staged copies removed when the rollout fails."""
from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from moto import mock_aws

from vendor.aws.target_group import TargetGroupTraffic
from vendor.deploy.bundle import build_bundle
from vendor.deploy.engine import AGENT_PATH, DEPLOYMENT_ROOT, STAGING_ROOT
from vendor.deploy.health import HealthCheck
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from vendor.deploy.traffic import HealthGatedTraffic
from vendor.ssh import connect, counters, run
from vendor.ssh.counters import Counts
from tests.deploy.revisions import python_revision

GROUP = Group("shop-app", "shop-staging", "g-shop")
FAIL_MARKER = "/etc/vend-test-fail-validate"


def _version(host) -> str:
    with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
        return r.read().decode().rsplit(" ", 1)[-1].strip()


def _sh(host, script: str) -> str:
    with connect(host) as conn:
        result = run(conn, ["sh", "-c", script], timeout=10)
    assert result.ok, result.stderr
    return result.stdout


def _staged(host) -> str:
    """What lies in the group's staging place on `host` ("" when nothing, or no such place)."""
    return _sh(host, f"ls -A {STAGING_ROOT}/{GROUP.group_id} 2>/dev/null || true")


def _audit(tmp_path, event: str) -> list[str]:
    lines = (tmp_path / "state" / "deployments" / "shop-staging" / "audit.jsonl").read_text().splitlines()
    return [r["host"] for r in map(json.loads, lines) if r["event"] == event]


@pytest.fixture
def one_host(local_hosts_factory):
    hosts = local_hosts_factory(1)
    yield hosts.hosts
    hosts.stop_all()


@pytest.fixture
def fleet(local_hosts_factory):
    hosts = local_hosts_factory(3)
    yield hosts.hosts
    hosts.stop_all()


def test_one_agent_run_per_deployment_and_the_agent_uploaded_once(one_host, tmp_path):
    """Without a load balancer the whole lifecycle is one stretch: one agent run does
    ApplicationStop..ValidateService (the host's state is read over the SFTP session of the
    uploads). The agent goes up on the first deployment only; a changed agent is replaced."""
    rollout = Rollout(one_host, GROUP, GroupState(tmp_path / "state", "shop-staging"))
    for version, uploads in (("1", 2), ("2", 1)):  # agent + bundle, then the bundle alone
        bundle = build_bundle(python_revision(tmp_path / f"v{version}", version=version))
        before = counters.snapshot()
        result = rollout.deploy(bundle.data, bundle.sha256)
        assert result.ok, result.message
        assert counters.since(before) == {"host1": Counts(execs=1, uploads=uploads)}
        assert _version(one_host[0]) == version
    assert result.hosts[0].events[0] == "ApplicationStop" and result.hosts[0].hook_seconds > 0

    _sh(one_host[0], f"echo '# an older agent' >> {AGENT_PATH}")
    before = counters.snapshot()
    assert rollout.deploy(bundle.data, bundle.sha256).ok
    assert counters.since(before) == {"host1": Counts(execs=1, uploads=2)}
    assert "an older agent" not in _sh(one_host[0], f"cat {AGENT_PATH}")


def test_behind_a_target_group_one_run_per_stretch_between_traffic_changes(one_host, tmp_path):
    """Block traffic, one agent run up to BeforeAllowTraffic, allow traffic (health-gated), one
    run for AfterAllowTraffic and the record of the install: 2 execs however many hooks there are."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        vpc = ec2.create_vpc(CidrBlock="10.213.0.0/16")["Vpc"]["VpcId"]
        elbv2 = boto3.client("elbv2", region_name="eu-west-1")
        arn = elbv2.create_target_group(Name="vend-shop-staging", Protocol="HTTP", Port=8080, VpcId=vpc,
                                        TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        health = HealthCheck("/health", 8080, interval=0.2, timeout=2, healthy_threshold=2, unhealthy_threshold=2)
        traffic = HealthGatedTraffic(TargetGroupTraffic(elbv2, arn, 8080, drain_timeout=10), health)
        rollout = Rollout(one_host, GROUP, GroupState(tmp_path / "state", "shop-staging"), traffic=traffic)
        for version in ("1", "2"):
            bundle = build_bundle(python_revision(tmp_path / f"v{version}", version=version,
                                                  extra_hook=("AfterAllowTraffic", "echo back in", 30)))
            before = counters.snapshot()
            lines = []
            rollout.on_output = lambda host, line: lines.append(line)
            result = rollout.deploy(bundle.data, bundle.sha256)
            assert result.ok, result.message
            assert counters.since(before)["host1"].execs == 2
            assert "AfterAllowTraffic: back in" in lines
        assert result.hosts[0].events == [
            "BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic", "ApplicationStop", "DownloadBundle",
            "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic",
            "AllowTraffic", "AfterAllowTraffic"]
        assert TargetGroupTraffic(elbv2, arn, 8080).registered() == {one_host[0].address}


def test_next_host_is_pre_staged_while_the_current_one_deploys(fleet, tmp_path):
    rollout = Rollout(fleet, GROUP, GroupState(tmp_path / "state", "shop-staging"))
    bundle = build_bundle(python_revision(tmp_path / "v1", version="1"))
    before = counters.snapshot()
    result = rollout.deploy(bundle.data, bundle.sha256)
    assert result.ok, result.message
    assert _audit(tmp_path, "host-staged") == ["host2", "host3"]
    # host1: one run; the others: unpack while waiting, and the run started then, released on their turn
    assert {name: c.execs for name, c in counters.since(before).items()} == {"host1": 1, "host2": 2, "host3": 2}
    assert [_version(h) for h in fleet] == ["1", "1", "1"]
    assert [_staged(h) for h in fleet] == ["", "", ""]  # adopted: nothing left aside


def test_a_failed_rollout_removes_the_pre_staged_copies(fleet, tmp_path):
    rollout = Rollout(fleet, GROUP, GroupState(tmp_path / "state", "shop-staging"))
    v1 = build_bundle(python_revision(tmp_path / "v1", version="1"))
    assert rollout.deploy(v1.data, v1.sha256).ok
    _sh(fleet[1], f"touch {FAIL_MARKER}")
    v2 = build_bundle(python_revision(tmp_path / "v2", version="2", fail_validate_if=FAIL_MARKER))
    result = rollout.deploy(v2.data, v2.sha256)

    assert not result.ok and result.failed_host == "host2"
    assert [h.host for h in result.hosts] == ["host1", "host2"]
    assert _audit(tmp_path, "host-staged")[-1:] == ["host3"]  # host3 got v2 aside while host2 deployed
    assert _audit(tmp_path, "host-unstaged") == ["host3"]
    assert _staged(fleet[2]) == ""
    assert result.deployment_id not in _sh(fleet[2], f"ls {DEPLOYMENT_ROOT}/{GROUP.group_id}")
    assert [_version(h) for h in fleet] == ["1", "1", "1"]


def test_pre_staging_as_a_non_root_user_goes_through_sudo(local_hosts_factory, tmp_path):
    """As `ubuntu` with passwordless sudo: the state is read in one exec through sudo, uploads go
    through the user's home and are moved into place, and nothing is left there."""
    hosts = local_hosts_factory(2, user="ubuntu")
    try:
        rollout = Rollout(hosts.hosts, GROUP, GroupState(tmp_path / "state", "shop-staging"))
        for version in ("1", "2"):
            bundle = build_bundle(python_revision(tmp_path / f"v{version}", version=version))
            result = rollout.deploy(bundle.data, bundle.sha256)
            assert result.ok, result.message
            assert [_version(h) for h in hosts.hosts] == [version, version]
        assert _audit(tmp_path, "host-staged") == ["host2", "host2"]
        assert [_sh(h, "ls -A ~").split() for h in hosts.hosts] == [[".ssh"], [".ssh"]]
        assert [_staged(h) for h in hosts.hosts] == ["", ""]
    finally:
        hosts.stop_all()
