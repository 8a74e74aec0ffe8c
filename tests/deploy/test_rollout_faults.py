"""Faults during a rollout on real local SSH hosts.

- A host that dies in the middle of its deployment: the rollout stops there, names the host,
  and the hosts touched before it get the last good revision again; later hosts are untouched.
- A host that hangs (every process of it frozen) in the middle of its deployment: the command
  timeout fires, the rollout stops there, names the host and rolls back the others (slow:
  deselected from the normal suite, run by `scripts/bench --faults`).
"""
from __future__ import annotations

import signal
import time
import urllib.request

import pytest

from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout
from tests.deploy.revisions import python_revision


def _version(host) -> str:
    with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
        return r.read().decode().rsplit(" ", 1)[-1].strip()


def test_host_dying_mid_deploy_stops_the_rollout_and_rolls_back_the_others(local_hosts_factory, tmp_path):
    """A host dying mid-deploy stops the rollout, names the host and rolls back the hosts before it."""
    fleet = local_hosts_factory(3)
    try:
        hosts = fleet.hosts
        killed = []

        def pull_the_plug(host_name: str, line: str) -> None:
            if host_name == "host2" and line.startswith("AfterInstall") and not killed:
                killed.append(host_name)
                fleet.stop("host2")  # every process of the host dies at once

        state = GroupState(tmp_path / "state", "shop-staging")
        group = Group("shop-app", "shop-staging", "g-shop")
        v1 = build_bundle(python_revision(tmp_path / "v1", version="1"))
        assert Rollout(hosts, group, state).deploy(v1.data, v1.sha256).ok

        v2 = build_bundle(python_revision(tmp_path / "v2", version="2", extra_hook=("AfterInstall", "echo about to start; sleep 2", 30)))
        result = Rollout(hosts, group, state, on_output=pull_the_plug).deploy(v2.data, v2.sha256)

        assert killed == ["host2"]
        assert not result.ok
        assert result.failed_host == "host2"
        assert result.message.startswith("host2 failed at AfterInstall: ")
        assert "connection lost" in result.message or "Connection" in result.message
        assert [h.host for h in result.hosts] == ["host1", "host2"]
        assert [(h.host, h.ok) for h in result.rollback][0] == ("host1", True)
        assert result.rollback[1].host == "host2" and not result.rollback[1].ok  # still dead: said, not hidden
        assert _version(hosts[0]) == "1" and _version(hosts[2]) == "1"
    finally:
        fleet.stop_all()


@pytest.mark.slow_fault
def test_host_hanging_mid_deploy_times_out_and_the_others_are_rolled_back(local_hosts_factory, tmp_path):
    """A frozen host mid-deploy: the hook's timeout fires, the rollout names the host and rolls back the others.

    host2 is frozen (SIGSTOP to every process in its namespace) while its AfterInstall hook
    (timeout 2 s) runs: nothing answers, so vend's own wait for the hook (its timeout plus a
    margin) and the kill's bounded wait fire; host1 gets v1 back, host3 is never touched."""
    fleet = local_hosts_factory(3)
    frozen = []
    try:
        hosts = fleet.hosts
        state = GroupState(tmp_path / "state", "shop-staging")
        group = Group("shop-app", "shop-staging", "g-shop")
        v1 = build_bundle(python_revision(tmp_path / "v1", version="1"))
        assert Rollout(hosts, group, state).deploy(v1.data, v1.sha256).ok

        def freeze(host_name: str, line: str) -> None:
            if host_name == "host2" and line.startswith("AfterInstall") and not frozen:
                frozen.append(time.monotonic())
                fleet.signal("host2", signal.SIGSTOP)

        v2 = build_bundle(python_revision(tmp_path / "v2", version="2", extra_hook=("AfterInstall", "echo about to hang; sleep 1", 2)))
        result = Rollout(hosts, group, state, on_output=freeze).deploy(v2.data, v2.sha256)

        assert frozen, "host2 never reached AfterInstall"
        assert not result.ok and result.failed_host == "host2", result.message
        assert result.message.startswith("host2 failed at AfterInstall: "), result.message
        assert [h.host for h in result.hosts] == ["host1", "host2"]
        assert [(h.host, h.ok) for h in result.rollback][0] == ("host1", True)
        assert result.rollback[1].host == "host2" and not result.rollback[1].ok  # still frozen: said, not hidden
        assert _version(hosts[0]) == "1" and _version(hosts[2]) == "1"
    finally:
        fleet.signal("host2", signal.SIGCONT)
        fleet.stop_all()
