"""On real local SSH hosts: the env file lands before BeforeInstall (root:<app group>, 0640, in a
0750 directory), hooks see its variables, the starter app shows its plain config vars; a rolling
restart with a new env file reaches every host, one host at a time."""
from __future__ import annotations

import urllib.request

import pytest

from vendor.deploy.bundle import build_bundle
from vendor.deploy.env_file import EnvFile
from vendor.deploy.history import GroupState
from vendor.deploy.restart import restart
from vendor.deploy.rollout import Group, Rollout
from vendor.runtime.env_file import render, variables
from vendor.ssh import connect, run
from tests.deploy.revisions import python_revision

SEEN = 'echo "$FOO $(stat -c "%U:%G %a" /etc/vend/app.env) $(stat -c "%G %a" /etc/vend)" > /tmp/env-seen'


def _env(foo: str) -> EnvFile:
    values = variables(config_vars={"FOO": foo, "TOKEN": "s3cr3t-t0ken"}, secret_names={"TOKEN"}, database=None,
                       bucket="b", region="eu-west-1", customer="shop", environment="staging")
    return EnvFile(render(values), group="www-data")


def _answer(host) -> str:
    with urllib.request.urlopen(f"http://{host.address}:8080/", timeout=5) as r:
        return r.read().decode()


@pytest.fixture
def fleet(local_hosts_factory):
    hosts = local_hosts_factory(2)
    yield hosts.hosts
    hosts.stop_all()


def test_env_file_before_before_install_then_rolling_restart(tmp_path, fleet):
    lines = []
    state = GroupState(tmp_path / "state", "vend-shop-staging")
    rollout = Rollout(fleet, Group("shop-app", "shop-staging", "group-env"), state, auto_rollback=False,
                      on_output=lambda host, line: lines.append((host, line)), env_file=_env("one"))
    revision = python_revision(tmp_path / "v1")
    before_install = revision / "scripts" / "before_install.sh"
    before_install.write_text(before_install.read_text() + SEEN + "\n")  # BeforeInstall sees the env file
    bundle = build_bundle(revision)
    result = rollout.deploy(bundle.data, bundle.sha256)
    assert result.ok, result.message
    for host in fleet:
        with connect(host) as conn:
            assert run(conn, ["cat", "/tmp/env-seen"], timeout=10).stdout == "one root:www-data 640 www-data 750\n"
        assert _answer(host) == "Hello from shop (staging), version 1\nFOO=one\n"  # never the secret TOKEN

    lines.clear()
    rollout.env_file = _env("two")
    restarted = restart(rollout)
    assert restarted.ok, restarted.message
    assert [(h.host, h.events) for h in restarted.hosts] == [
        (h.name, ["ApplicationStop", "ApplicationStart", "ValidateService"]) for h in fleet]
    assert [host for i, (host, _) in enumerate(lines) if i == 0 or lines[i - 1][0] != host] == [h.name for h in fleet]
    assert [_answer(h) for h in fleet] == ["Hello from shop (staging), version 1\nFOO=two\n"] * 2
    assert not any("s3cr3t" in line for _, line in lines)
    audit = (tmp_path / "state" / "deployments" / "vend-shop-staging" / "audit.jsonl").read_text()
    assert audit.count('"restart-host-end"') == 2 and "s3cr3t" not in audit
