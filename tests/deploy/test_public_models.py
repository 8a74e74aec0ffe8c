"""Five revisions modelled on the public ones of issue 21 (tests/deploy/public_models/, each
appspec names what it models), run through vend's agent on a real local host: each ends at the
lifecycle event where the CodeDeploy agent ends it on an Ubuntu instance, with a message naming
the cause; the one that deploys there serves."""
from __future__ import annotations

import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.sandbox import frontdoor_scene
from vendor.deploy.bundle import build_bundle
from vendor.deploy.engine import Deployment, HostDeployer
from vendor.ssh import connect, run

MODELS = Path(__file__).with_name("public_models")

# model -> (ok, events run, message, a line the hooks printed)
EXPECTED = {
    "sample_app_linux": (False, ["DownloadBundle", "BeforeInstall"],
                         "BeforeInstall: scripts/install_dependencies run as user root exited with 127",
                         "yum: command not found"),
    "php_apache": (False, ["DownloadBundle", "BeforeInstall", "Install"],
                   "Install: file already exists at /var/www/html/index.html and was not installed by the last "
                   "deployment (set file_exists_behavior: OVERWRITE or RETAIN in appspec.yml)",
                   "apache2 and php are installed"),
    "flask_gunicorn_nginx": (False, ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart"],
                             "ApplicationStart: scripts/start_app.sh timed out after 5s and was killed",
                             "starting the app server"),
    "node_pm2": (True, ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
                        "ValidateService"], "", "node model shop-node"),
    "flask_app": (False, ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart"],
                  "ApplicationStart: scripts/start.sh failed to close STDOUT within 5s: a background process kept "
                  "its output open (see the warning above)", "flask app started"),
}


@pytest.fixture(scope="module")
def host(local_hosts_factory):
    """An instance of an Ubuntu image: its default user `ubuntu` (the node_pm2 model runs as it)."""
    hosts = local_hosts_factory(1, image_user="ubuntu")
    yield hosts.hosts[0]
    hosts.stop_all()


@pytest.mark.parametrize("model", sorted(set(EXPECTED) - {"node_pm2"}))  # node_pm2: its own test, below
def test_model_revision_ends_where_the_agent_ends_it(model, host, tmp_path):
    ok, events, message, printed = EXPECTED[model]
    revision = shutil.copytree(MODELS / model, tmp_path / model)
    bundle = build_bundle(revision)
    lines = []
    deployment = Deployment(f"d-{model.upper().replace('_', '')[:12]}", "shop", f"shop-{model.split('_')[0]}",
                            f"group-{model}", bundle.sha256)
    with connect(host) as conn:
        outcome = HostDeployer(conn, deployment, on_output=lambda h, line: lines.append(line)).deploy(bundle.data, bundle.appspec)
    assert (outcome.ok, outcome.events, outcome.message) == (ok, events, message), "\n".join(lines)
    assert any(line.endswith(printed) for line in lines), "\n".join(lines)
    if model == "flask_app":  # the warning names the process, as soon as the script ends
        [warning] = [line for line in lines if "warning:" in line]
        assert re.search(r"held by pid \d+ \(\S*python3 app\.py\)\. ", warning), warning
        assert "on AWS this hook hangs until its timeout (5s)" in warning


def test_php_apache_model_is_accepted_with_the_ignored_key_named():
    bundle = build_bundle(MODELS / "php_apache")
    assert [w.split(" ", 1)[1] for w in bundle.appspec.warnings] == [
        "files/0/overwrite: unknown key 'overwrite' is ignored (CodeDeploy ignores it; to replace existing files "
        "set file_exists_behavior: OVERWRITE at the top level)"]


def _get(url: str, headers: dict | None = None) -> str | None:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
            return r.read().decode()
    except OSError:
        return None


def _sh(host, script: str) -> str:
    with connect(host) as conn:
        done = run(conn, ["sh", "-c", script], timeout=30)
    assert done.exit_code == 0, done.stderr
    return done.stdout


def _deploy(host, bundle, deployment_id: str, lines: list[str]):
    deployment = Deployment(deployment_id, "shop", "shop-node", "group-node-pm2", bundle.sha256)
    with connect(host) as conn:
        return HostDeployer(conn, deployment, on_output=lambda h, line: lines.append(line)).deploy(bundle.data,
                                                                                                   bundle.appspec)


PM2_DAEMON = "PM2 v7.0.4: God Daemon (/home/ubuntu/.pm2)"  # its process title (pm2 pinned in scripts/setup)


def test_node_pm2_model_serves_through_the_front_door_deploys_again_and_comes_back_at_boot(
        local_hosts_factory, moto_url, tmp_path):
    # what pm2 does on an Ubuntu instance: its daemon runs as the hook's runas user with its files in
    # that user's home; `pm2 startup` writes and enables pm2-ubuntu.service, which systemd did not
    # start (the daemon came from the hook) and which brings the saved list back when the host boots
    hosts = local_hosts_factory(1, image_user="ubuntu")
    host = hosts.hosts[0]
    bundle = build_bundle(shutil.copytree(MODELS / "node_pm2", tmp_path / "node_pm2"))
    lines: list[str] = []
    first = _deploy(host, bundle, "d-NODEPM2FIRST", lines)
    ok, events, message, printed = EXPECTED["node_pm2"]
    assert (first.ok, first.events, first.message) == (ok, events, message), "\n".join(lines)
    assert any(line.endswith(printed) for line in lines), "\n".join(lines)
    scene = frontdoor_scene.scene(moto_url, tmp_path / "changes", port=3000)
    scene.register((host.address, 3000))
    with scene.door() as door:
        assert _get(door.url, {"Host": scene.host}) == "node model shop-node\n"
    assert _sh(host, "ps -o user=,args= -p $(cat /home/ubuntu/.pm2/pm2.pid); stat -c '%U %n' /home/ubuntu/.pm2/dump.pm2; "
                     "test -e /root/.pm2/rpc.sock || echo no root daemon; systemctl is-enabled pm2-ubuntu; "
                     "systemctl is-active pm2-ubuntu; true") == (
        f"ubuntu   {PM2_DAEMON}\nubuntu /home/ubuntu/.pm2/dump.pm2\nno root daemon\nenabled\ninactive\n")
    app_pid = _sh(host, "pgrep -f '^node /home/ubuntu/node-app/server.js'")

    lines.clear()  # ApplicationStop of the last revision: pm2 delete; then pm2 start again
    second = _deploy(host, bundle, "d-NODEPM2AGAIN", lines)
    assert (second.ok, second.events[:2]) == (True, ["ApplicationStop", "DownloadBundle"]), "\n".join(lines)
    assert [line for line in lines if line.startswith("ApplicationStop: [PM2] [node-app]")] == [
        "ApplicationStop: [PM2] [node-app](0) \u2713"], "\n".join(lines)  # pm2 delete found it and deleted it
    assert _sh(host, "pgrep -f '^node /home/ubuntu/node-app/server.js'") not in ("", app_pid)

    hosts.stop(host.name)  # the instance reboots: systemd starts pm2-ubuntu, `pm2 resurrect` the app
    host = hosts.start_host(host.name)
    deadline = time.monotonic() + 15
    while (body := _get(f"http://{host.address}:3000/")) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert body == "node model shop-node\n", _sh(host, "cat /var/log/vend-services/boot.log /var/log/vend-services/pm2-ubuntu.log")
    assert _sh(host, "systemctl is-active pm2-ubuntu; ps -o user=,args= -p $(cat /home/ubuntu/.pm2/pm2.pid),"
                   "$(pgrep -f '^node /home/ubuntu/node-app/server.js')") == (
        f"active\nubuntu   {PM2_DAEMON}\nubuntu   node /home/ubuntu/node-app/server.js\n")
