"""Five revisions modelled on the public ones of issue 21 (tests/deploy/public_models/, each
appspec names what it models), run through vend's agent on a real local host: each ends at the
lifecycle event where the CodeDeploy agent ends it on an Ubuntu instance, with a message naming
the cause; the one that deploys there serves."""
from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from vendor.deploy.bundle import build_bundle
from vendor.deploy.engine import Deployment, HostDeployer
from vendor.ssh import connect

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
    hosts = local_hosts_factory(1)
    yield hosts.hosts[0]
    hosts.stop_all()


@pytest.mark.parametrize("model", sorted(EXPECTED))
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
    if model == "node_pm2":  # deployed: it serves
        with urllib.request.urlopen(f"http://{host.address}:3000/", timeout=5) as r:
            assert r.read().decode() == "node model shop-node\n"
    if model == "flask_app":  # the warning names the process, as soon as the script ends
        [warning] = [line for line in lines if "warning:" in line]
        assert re.search(r"held by pid \d+ \(\S*python3 app\.py\)\. ", warning), warning
        assert "on AWS this hook hangs until its timeout (5s)" in warning


def test_php_apache_model_is_accepted_with_the_ignored_key_named():
    bundle = build_bundle(MODELS / "php_apache")
    assert [w.split(" ", 1)[1] for w in bundle.appspec.warnings] == [
        "files/0/overwrite: unknown key 'overwrite' is ignored (CodeDeploy ignores it; to replace existing files "
        "set file_exists_behavior: OVERWRITE at the top level)"]
