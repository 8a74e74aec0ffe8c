"""CodeDeploy's event order and hook environment."""
from __future__ import annotations

from vendor.deploy.lifecycle import hook_env, steps


def test_first_install_without_load_balancer():
    assert [s.event for s in steps(first_install=True, traffic_control=False)] == [
        "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"]


def test_later_install_behind_a_load_balancer_takes_stop_and_block_hooks_from_the_last_revision():
    got = [(s.event, s.builtin, s.previous) for s in steps(first_install=False, traffic_control=True)]
    assert got == [
        ("BeforeBlockTraffic", False, True), ("BlockTraffic", True, False), ("AfterBlockTraffic", False, True),
        ("ApplicationStop", False, True), ("DownloadBundle", True, False), ("BeforeInstall", False, False),
        ("Install", True, False), ("AfterInstall", False, False), ("ApplicationStart", False, False),
        ("ValidateService", False, False), ("BeforeAllowTraffic", False, False), ("AllowTraffic", True, False),
        ("AfterAllowTraffic", False, False)]


def test_hook_environment():
    assert hook_env("ValidateService", deployment_id="d-1", application="app", group_name="g", group_id="gid") == {
        "LIFECYCLE_EVENT": "ValidateService", "DEPLOYMENT_ID": "d-1", "APPLICATION_NAME": "app",
        "DEPLOYMENT_GROUP_NAME": "g", "DEPLOYMENT_GROUP_ID": "gid"}
