"""A revision written for an Ubuntu instance deploys on a sandbox host as it would there, given
that its packages are in the image (issue 21).

The revision is our own, modelled on the common shape of public CodeDeploy PHP-on-Apache
revisions for Ubuntu (e.g. the appspec and scripts of rs0fox/html-pipeline and
kenny67/server, adapted from Amazon Linux's yum/httpd to Ubuntu's apt/apache2): the site is
copied to /var/www/html, BeforeInstall runs `apt-get update` and `apt-get install`, ApplicationStop
and ApplicationStart drive Apache through systemctl, ValidateService asks the page over HTTP.
"""
import time
import urllib.request

import pytest

from vendor.deploy.bundle import build_bundle
from vendor.deploy.history import GroupState
from vendor.deploy.rollout import Group, Rollout

pytestmark = pytest.mark.root  # real namespaces and sshd

APPSPEC = """\
version: 0.0
os: linux
files:
  - source: /site
    destination: /var/www/html
file_exists_behavior: OVERWRITE
permissions:
  - object: /var/www/html
    pattern: "**"
    owner: www-data
    group: www-data
hooks:
  ApplicationStop:
    - location: scripts/stop_server.sh
      timeout: 60
      runas: root
  BeforeInstall:
    - location: scripts/install_dependencies.sh
      timeout: 300
      runas: root
  ApplicationStart:
    - location: scripts/start_server.sh
      timeout: 60
      runas: root
  ValidateService:
    - location: scripts/validate.sh
      timeout: 60
      runas: ubuntu
"""
SCRIPTS = {
    "install_dependencies.sh": "#!/bin/bash\nset -e\napt-get update -y\napt-get install -y apache2 php libapache2-mod-php\n",
    "start_server.sh": "#!/bin/bash\nset -e\nsystemctl enable apache2\nsystemctl restart apache2\n",
    "stop_server.sh": "#!/bin/bash\nif systemctl is-active --quiet apache2; then systemctl stop apache2; fi\n",
    "validate.sh": "#!/bin/bash\nset -e\ncurl -fsS --retry 5 --retry-connrefused http://localhost/index.php | grep -q 'php works'\n",
}


def revision(directory):
    (directory / "site").mkdir(parents=True)
    (directory / "site/index.php").write_text("<?php echo 'php works on ' . gethostname(); ?>\n")
    (directory / "scripts").mkdir()
    for name, body in SCRIPTS.items():
        (directory / "scripts" / name).write_text(body)
        (directory / "scripts" / name).chmod(0o755)
    (directory / "appspec.yml").write_text(APPSPEC)
    return directory


def test_a_php_on_apache_revision_for_ubuntu_deploys_and_serves(local_hosts_factory, tmp_path):
    (host,) = local_hosts_factory(1, image_user="ubuntu").hosts
    lines = []
    rollout = Rollout([host], Group("site-app", "site-staging", "g-site"), GroupState(tmp_path / "state", "site-staging"),
                      on_output=lambda h, line: lines.append(line))
    bundle = build_bundle(revision(tmp_path / "rev"))
    started = time.monotonic()
    result = rollout.deploy(bundle.data, bundle.sha256)
    assert result.ok, result.message + "\n" + "\n".join(lines)
    assert time.monotonic() - started < 60  # offline apt-get gives up at once (was minutes: 20 s per lookup)
    assert any("Temporary failure resolving" in line for line in lines)  # offline, as the sandbox is
    with urllib.request.urlopen(f"http://{host.address}/index.php", timeout=5) as r:
        assert r.read().decode() == f"php works on {host.name}"
