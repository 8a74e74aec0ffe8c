"""The lifecycle on real local SSH hosts: files land, hooks run in order with CodeDeploy's
environment, the app answers, ApplicationStop comes from the last good revision, timeouts kill."""
from __future__ import annotations

import json
import urllib.request

import pytest

from vendor.deploy.bundle import build_bundle
from vendor.deploy.engine import DEPLOYMENT_ROOT, Deployment, HostDeployer
from vendor.ssh import connect, run
from tests.deploy.revisions import python_revision
from tests.remote import alive_argv

ORDER_HOOK = 'echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME $DEPLOYMENT_GROUP_ID" >> /tmp/hook-order'


def _deployment(n: int) -> Deployment:
    return Deployment(f"d-{n:09d}", "shop-app", "shop-staging", "group-1", f"rev{n}")


def _get(host, path="/"):
    with urllib.request.urlopen(f"http://{host.address}:8080{path}", timeout=5) as r:
        return r.read().decode()


@pytest.fixture
def host(local_hosts_factory):
    hosts = local_hosts_factory(1)
    yield hosts.hosts[0]
    hosts.stop_all()


def test_first_then_second_deployment(tmp_path, host):
    outputs = []
    with connect(host) as conn:
        first = build_bundle(python_revision(tmp_path / "v1", version="1", extra_hook=("AfterInstall", ORDER_HOOK, 30)))
        outcome = HostDeployer(conn, _deployment(1), on_output=lambda h, line: outputs.append(line)).deploy(first.data, first.appspec)
        assert outcome.ok, outcome.message
        assert outcome.events == ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"]
        assert _get(host) == "Hello from shop (staging), version 1\n"
        assert _get(host, "/health") == "ok\n"
        assert run(conn, ["cat", "/tmp/hook-order"], timeout=10).stdout == "AfterInstall d-000000001 shop-app shop-staging group-1\n"
        assert any(line.startswith("ValidateService: healthy") for line in outputs)

        second = build_bundle(python_revision(tmp_path / "v2", version="2"))
        outcome = HostDeployer(conn, _deployment(2)).deploy(second.data, second.appspec)
        assert outcome.ok, outcome.message
        assert outcome.events[0] == "ApplicationStop"  # from revision 1: it stops the running app
        assert _get(host) == "Hello from shop (staging), version 2\n"
        log = run(conn, ["cat", f"{DEPLOYMENT_ROOT}/group-1/d-000000002/logs/scripts.log"], timeout=10).stdout
        assert "ApplicationStop" in log and "ValidateService" in log


def test_failing_validate_service_fails_the_host(tmp_path, host):
    with connect(host) as conn:
        bundle = build_bundle(python_revision(tmp_path / "bad", validate_exit=3))
        outcome = HostDeployer(conn, _deployment(3)).deploy(bundle.data, bundle.appspec)
    assert not outcome.ok
    assert outcome.failed_event == "ValidateService"
    assert outcome.message == "ValidateService: scripts/validate_service.sh exited with 3"


def test_hook_over_its_timeout_is_killed_with_its_process_group(tmp_path, host):
    """A hook that hangs past its timeout is killed with its whole process group, and the deployment fails at it."""
    body = "sleep 300 &\necho $! > /tmp/child.pid\nsleep 300"
    with connect(host) as conn:
        bundle = build_bundle(python_revision(tmp_path / "slow", extra_hook=("AfterInstall", body, 2)))
        outcome = HostDeployer(conn, _deployment(4)).deploy(bundle.data, bundle.appspec)
        assert not outcome.ok
        assert outcome.message == "AfterInstall: scripts/extra.sh timed out after 2s and was killed"
        assert 2 <= outcome.hook_seconds < 30  # the hook ran for its timeout: not "hook scripts 0.0s" (issue 21)
        child = run(conn, ["cat", "/tmp/child.pid"], timeout=10).stdout.strip()
        assert not run(conn, alive_argv(child), timeout=10).ok, "the hook's child survived"


def test_only_five_revisions_are_kept(tmp_path, host):
    bundle = build_bundle(python_revision(tmp_path / "v"))
    with connect(host) as conn:
        for n in range(7):
            assert HostDeployer(conn, _deployment(10 + n)).deploy(bundle.data, bundle.appspec).ok
        kept = run(conn, ["ls", f"{DEPLOYMENT_ROOT}/group-1"], timeout=10).stdout.split()
    assert sorted(kept) == [f"d-0000000{n}" for n in range(12, 17)] + ["installed-files.json"]


def _with_runas(revision, user: str, sudo: bool = False):
    appspec = revision / "appspec.yml"
    extra = f"      runas: {user}\n" + ("      sudo: true\n" if sudo else "")
    appspec.write_text(appspec.read_text().replace("      timeout: 30\n", "      timeout: 30\n" + extra, 1))
    return revision


@pytest.mark.parametrize("sudo", [False, True])
def test_runas_runs_the_script_as_that_user_through_su(tmp_path, host, sudo):
    """As the agent: `su USER -c SCRIPT` (`sudo su USER -c SCRIPT` with sudo: true); the user's
    login shell runs it, from /."""
    with connect(host) as conn:
        assert run(conn, ["sh", "-c", "id appuser || useradd -m -s /bin/bash appuser"], timeout=10).ok
        body = 'echo "$(id -un) in $(pwd) shell=$SHELL"'
        bundle = build_bundle(_with_runas(python_revision(tmp_path / "r", extra_hook=("AfterInstall", body, 30)),
                                          "appuser", sudo))
        lines = []
        outcome = HostDeployer(conn, _deployment(20), on_output=lambda h, line: lines.append(line)).deploy(bundle.data, bundle.appspec)
    assert outcome.ok, outcome.message
    assert "AfterInstall: appuser in / shell=/bin/bash" in lines


def test_runas_a_user_without_a_login_shell_fails_as_on_aws(tmp_path, host):
    """`su nobody -c ...` runs nobody's shell, /usr/sbin/nologin: the agent's deployment fails there."""
    with connect(host) as conn:
        bundle = build_bundle(_with_runas(python_revision(tmp_path / "r", extra_hook=("AfterInstall", "id -un", 30)),
                                          "nobody"))
        lines = []
        outcome = HostDeployer(conn, _deployment(21), on_output=lambda h, line: lines.append(line)).deploy(bundle.data, bundle.appspec)
    assert (outcome.ok, outcome.message) == (False, "AfterInstall: scripts/extra.sh run as user nobody exited with 1")
    assert "AfterInstall: This account is currently not available." in lines


def test_background_process_holding_the_output_fails_at_the_timeout_and_is_named(tmp_path, host):
    """aws-codedeploy-agent#118 on a real host: the warning comes as soon as the script ends."""
    body = "python3 -m http.server 9099 &\necho started"
    with connect(host) as conn:
        bundle = build_bundle(python_revision(tmp_path / "bg", extra_hook=("AfterInstall", body, 3)))
        lines = []
        outcome = HostDeployer(conn, _deployment(22), on_output=lambda h, line: lines.append(line)).deploy(bundle.data, bundle.appspec)
    assert (outcome.ok, outcome.failed_event) == (False, "AfterInstall")
    assert outcome.message == ("AfterInstall: scripts/extra.sh failed to close STDOUT within 3s: a background process "
                               "kept its output open (see the warning above)")
    warning = next(line for line in lines if "warning:" in line)
    assert "(python3 -m http.server 9099)" in warning and "on AWS this hook hangs until its timeout (3s)" in warning


def test_permissions_on_the_root_reach_only_what_was_installed(tmp_path, host):
    """`permissions: [{object: /}]` changes the files and directories the deployment installed, never the host's /etc or /var."""
    from tests.deploy.helpers import write_revision
    revision = write_revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        files:
          - source: site
            destination: /var/www/vend-perm
          - source: conf/vend-perm.conf
            destination: /etc
        file_exists_behavior: OVERWRITE
        permissions:
          - object: /
            owner: nobody
            mode: "700"
        """, {"site/index.html": "hi", "site/css/a.css": "c", "conf/vend-perm.conf": "x"})
    bundle = build_bundle(revision)
    stat_argv = ["stat", "-c", "%n %a %U", "/", "/etc", "/var", "/var/www", "/var/www/vend-perm", "/var/www/vend-perm/css",
                 "/var/www/vend-perm/css/a.css", "/var/www/vend-perm/index.html", "/etc/vend-perm.conf"]
    with connect(host) as conn:
        before = dict(line.split(" ", 1) for line in run(conn, stat_argv[:7], timeout=10).stdout.splitlines())
        outcome = HostDeployer(conn, _deployment(9)).deploy(bundle.data, bundle.appspec)
        assert outcome.ok, outcome.message
        after = dict(line.split(" ", 1) for line in run(conn, stat_argv, timeout=10).stdout.splitlines())
    assert {k: after[k] for k in before} == before  # the host's own directories are untouched
    assert {k: v for k, v in after.items() if k not in before} == {
        "/var/www/vend-perm": "700 nobody", "/var/www/vend-perm/css": "700 nobody",
        "/var/www/vend-perm/css/a.css": "700 nobody", "/var/www/vend-perm/index.html": "700 nobody",
        "/etc/vend-perm.conf": "700 nobody"}


def test_deploys_as_a_non_root_user_through_sudo(tmp_path, local_hosts_factory):
    """As on an Ubuntu instance: vend logs in as `ubuntu` (key only, passwordless sudo); the agent
    writes /opt/codedeploy-agent and installs the app through sudo, as root."""
    hosts = local_hosts_factory(1, user="ubuntu")
    host = hosts.hosts[0]
    try:
        assert host.user == "ubuntu"
        with connect(host) as conn:
            assert run(conn, ["id", "-un"], timeout=10).stdout.strip() == "ubuntu"
            assert not run(conn, ["touch", "/opt/vend-probe"], timeout=10).ok  # no root rights without sudo
            for n, version in ((1, "1"), (2, "2")):
                bundle = build_bundle(python_revision(tmp_path / f"v{n}", version=version))
                outcome = HostDeployer(conn, _deployment(n)).deploy(bundle.data, bundle.appspec)
                assert outcome.ok, outcome.message
                assert _get(host) == f"Hello from shop (staging), version {version}\n"
            assert outcome.events[0] == "ApplicationStop"
            owners = run(conn, ["stat", "-c", "%U %a", "/opt/codedeploy-agent/vend-host-agent.py",
                                f"{DEPLOYMENT_ROOT}/group-1/d-000000002/bundle.tar.gz"], timeout=10).stdout.split("\n")
            assert owners[:2] == ["root 755", "root 600"]
            assert run(conn, ["sh", "-c", "ls -A ~"], timeout=10).stdout.split() == [".ssh"]  # nothing staged is left
    finally:
        hosts.stop_all()
