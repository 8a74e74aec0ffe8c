"""A failed deployment says what its hooks' output shows (issue 21): no internet on the host (an
offline `apt-get`/`pip install` in a hook), or vend's systemctl stand-in refusing something."""
from __future__ import annotations

import pytest

from vendor.cli.hook_notes import NO_INTERNET_NOTE, NO_SYSTEMD_NOTE, HookNotes, NotedRollout
from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout, RolloutResult
from tests.deploy.revisions import python_revision

STAND_IN = "vend sandbox (no systemd on this host): systemctl stand-in: "


@pytest.mark.parametrize("line", [
    "Err:1 http://archive.ubuntu.com/ubuntu noble InRelease\n  Temporary failure resolving 'archive.ubuntu.com'",
    "socket.gaierror: [Errno -3] Temporary failure in name resolution",
    "curl: (6) Could not resolve host: github.com",
    "npm ERR! request to https://registry.npmjs.org/pm2 failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
])
def test_name_lookup_failures_are_told_as_no_internet(line):
    printed = []
    notes = HookNotes(lambda host, text: printed.append((host, text)))
    notes("web1", f"BeforeInstall: {line}")
    failed = notes.annotate(RolloutResult("d-1", "r", ok=False, message="BeforeInstall: scripts/install.sh exited with 100"))
    assert printed == [("web1", f"BeforeInstall: {line}")]
    assert failed.message == f"BeforeInstall: scripts/install.sh exited with 100; note: {NO_INTERNET_NOTE}"
    assert notes.annotate(RolloutResult("d-1", "r", ok=True)).message == ""


def test_other_systemd_tools_are_told_as_not_stood_in():
    notes = HookNotes(lambda host, text: None)
    notes("web1", "ApplicationStart: System has not been booted with systemd as init system (PID 1). Can't operate.")
    notes("web1", "ApplicationStart: Failed to connect to bus: Host is down")
    failed = notes.annotate(RolloutResult("d-1", "r", ok=False, message="ApplicationStart: scripts/start.sh exited with 1"))
    assert failed.message == f"ApplicationStart: scripts/start.sh exited with 1; note: {NO_SYSTEMD_NOTE}"


@pytest.fixture(scope="module")
def host(local_hosts_factory):
    return local_hosts_factory(1, image_user="ubuntu").hosts[0]


def deploy(host, tmp_path, body: str) -> RolloutResult:
    notes = HookNotes(lambda h, line: None)
    rollout = NotedRollout(Rollout([host], Group("shop-app", "shop-staging", "g-shop"),
                                   GroupState(tmp_path / "state", "shop-staging"), on_output=notes), notes)
    bundle = build_bundle(python_revision(tmp_path / "rev", extra_hook=("AfterInstall", body, 60)))
    return rollout.deploy(bundle.data, bundle.sha256)


def test_a_hook_that_downloads_fails_fast_and_says_the_host_has_no_internet(host, tmp_path):
    # what `pip install` / `apt-get update` do first: resolve the package index's name
    result = deploy(host, tmp_path, "python3 -c 'import socket; socket.getaddrinfo(\"pypi.org\", 443)'")
    assert not result.ok
    assert result.message == f"host1 failed at AfterInstall: scripts/extra.sh exited with 1; note: {NO_INTERNET_NOTE}"
    assert result.seconds < 20  # no resolver timeouts


def test_a_hook_the_systemctl_stand_in_refuses_says_so(host, tmp_path):
    # AWS's SampleApp_Linux starts Amazon Linux's Apache so: there is no httpd on an Ubuntu image
    result = deploy(host, tmp_path, "systemctl start httpd")
    assert not result.ok
    assert result.message == (
        "host1 failed at AfterInstall: scripts/extra.sh exited with 5; note: the hook met vend's systemctl stand-in "
        "(sandbox hosts have no systemd): Unit httpd.service could not be found (no /etc/init.d/httpd, no httpd.service in "
        "/etc/systemd/system, /run/systemd/system, /lib/systemd/system, /usr/lib/systemd/system; install its "
        "package in the image)")
