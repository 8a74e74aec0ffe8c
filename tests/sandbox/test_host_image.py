"""What a local host gives a deployment, as an instance of the base image would (issue 21): the
image's default user with passwordless sudo, a clean root (nothing of this machine's homes,
caches, wheels or checkouts), no internet that fails fast, and a systemctl/service stand-in."""
import os
import time
import urllib.request
import uuid

import pytest

from vendor.ssh import connect, run

pytestmark = pytest.mark.root  # real namespaces and sshd


@pytest.fixture(scope="module")
def host(local_hosts_factory):
    """One host whose image has the config's ssh_username (`ubuntu`); vend logs in as root."""
    return local_hosts_factory(1, image_user="ubuntu").hosts[0]


def sh(host, script: str, timeout: float = 20):
    with connect(host) as conn:
        return run(conn, ["sh", "-c", script], timeout=timeout)


def test_the_images_default_user_exists_with_passwordless_sudo(host):
    done = sh(host, "id -un ubuntu && runuser -u ubuntu -- sudo -n id -un && runuser -u ubuntu -- sh -c 'echo $HOME'")
    assert (done.exit_code, done.stdout) == (0, "ubuntu\nroot\n/home/ubuntu\n")


def test_this_machines_homes_caches_wheels_and_checkouts_are_not_on_the_host(host):
    # each exists on this machine (the test checks first); an instance of the image has none of them
    paths = ["/root/.config", "/root/.cache", "/opt/wheels", "/work", "/usr/local/bin/issues", "/run/apache2"]
    present = [p for p in paths if os.path.exists(p)]
    assert present, "none of the paths exists on this machine: the test checks nothing"
    done = sh(host, " ".join(f"test -e {p} && echo {p};" for p in present) + " ls -A /tmp /home; true")
    assert done.stdout == "/home:\nubuntu\n\n/tmp:\n"


def test_name_lookups_and_the_internet_fail_at_once(host):
    started = time.monotonic()
    done = sh(host, "getent hosts archive.ubuntu.com; echo lookup=$?; "
                    "python3 -c 'import socket; socket.create_connection((\"192.0.2.1\", 80), timeout=30)' "
                    "2>&1 | tail -1")
    assert time.monotonic() - started < 5
    assert done.stdout == "lookup=2\nOSError: [Errno 113] No route to host\n"


UNIT = """\
[Unit]
Description=test web server
[Service]
Type=simple
User=ubuntu
WorkingDirectory=/srv/web
Environment="GREETING=hello from the unit"
ExecStartPre=/bin/sh -c 'echo "$GREETING" > /srv/web/index.html'
ExecStart=/usr/bin/python3 -m http.server 8081 --bind ${ADDRESS}
Restart=always
"""


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


def wait_for(url: str) -> str | None:
    deadline = time.monotonic() + 10
    while (body := fetch(url)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return body


def test_systemctl_starts_stops_and_reports_a_unit_the_image_installs(host):
    name = f"web{uuid.uuid4().hex[:6]}"
    unit = UNIT.replace("${ADDRESS}", host.address)
    setup = (f"mkdir -p /srv/web && chown ubuntu /srv/web && cat > /etc/systemd/system/{name}.service <<'EOF'\n"
             f"{unit}EOF\nsystemctl daemon-reload && systemctl start {name}")
    started = sh(host, setup)
    assert started.exit_code == 0, started.stderr
    assert started.stderr == ("vend sandbox (no systemd on this host): systemctl stand-in: "
                              f"{name}.service: ignoring Restart= (not supported here; e.g. nothing restarts a "
                              "service that exits)\n")
    url = f"http://{host.address}:8081/index.html"
    assert wait_for(url) == "hello from the unit\n"
    assert sh(host, f"systemctl is-active {name}").stdout == "active\n"
    assert sh(host, f"ps -o user= -p $(cat /run/vend-services/{name}.pid)").stdout.strip() == "ubuntu"
    assert sh(host, f"systemctl status {name} --no-pager").exit_code == 0
    assert sh(host, f"sudo -n systemctl stop {name}").exit_code == 0
    assert fetch(url) is None
    stopped = sh(host, f"systemctl is-active {name}; service {name} status")
    assert stopped.exit_code == 3 and stopped.stdout.startswith("inactive\n")


def test_service_and_systemctl_run_a_packages_init_script(host):
    done = sh(host, "systemctl start apache2 && service apache2 status >/dev/null && echo running; "
                    "systemctl reload-or-restart apache2 && systemctl stop apache2 && echo stopped; "
                    "systemctl is-active apache2", timeout=60)
    assert done.stdout == ("Starting Apache httpd web server: apache2.\nrunning\n"
                           "Reloading Apache httpd web server: apache2.\nStopping Apache httpd web server: apache2.\n"
                           "stopped\ninactive\n"), done.stderr


@pytest.mark.parametrize("script, code, message", [
    ("systemctl", 1, "listing units is not supported; name a service (systemctl status NAME)"),
    ("systemctl --user start x", 1, "--user (per-user services) is not supported"),
    ("systemctl start nginx-missing", 5, "Unit nginx-missing.service could not be found (no /etc/init.d/nginx-missing,"
     " no nginx-missing.service in /etc/systemd/system, /run/systemd/system, /lib/systemd/system, "
     "/usr/lib/systemd/system; install its package in the image)"),
    ("systemctl start tmp.mount", 1, "tmp.mount: only .service units are supported here (no mount units without systemd)"),
    ("systemctl mask apache2", 1, "'systemctl mask' is not supported (supported: start, stop, restart, reload, "
     "try-restart, reload-or-restart, try-reload-or-restart, force-reload, status, is-active, is-failed, is-enabled, "
     "enable, disable, daemon-reload, daemon-reexec, reset-failed)"),
])
def test_what_the_stand_in_does_not_do_is_said_naming_it(host, script, code, message):
    done = sh(host, script)
    assert (done.exit_code, done.stderr) == (code, f"vend sandbox (no systemd on this host): systemctl stand-in: {message}\n")


FORKING = """\
[Service]
Type=forking
PIDFile=/run/{name}.pid
ExecStart=/bin/sh -c 'python3 -m http.server 8082 --bind 127.0.0.1 >/dev/null 2>&1 & echo $! > /run/{name}.pid'
ExecReload=/bin/kill -0 $MAINPID
"""


def test_systemctl_runs_a_forking_unit_by_its_pid_file(host):
    # as Debian's nginx.service (Type=forking, PIDFile=/run/nginx.pid) is: the static-site stack's server
    name = f"fork{uuid.uuid4().hex[:6]}"
    done = sh(host, f"cat > /lib/systemd/system/{name}.service <<'EOF'\n{FORKING.format(name=name)}EOF\n"
                    f"systemctl start {name} && systemctl is-active {name} && curl -s --retry 10 --retry-connrefused -o /dev/null "
                    f"-w '%{{http_code}}\\n' http://127.0.0.1:8082/ && systemctl reload {name} && systemctl stop {name} "
                    f"&& systemctl is-active {name}", timeout=60)
    assert (done.stdout, done.stderr) == ("active\n200\ninactive\n", "")


def test_a_session_on_the_host_has_a_clean_environment_not_this_machines(host):
    # sshd builds each session's environment itself: nothing of the process that started the host
    # (pip's wheel directory, a virtualenv, vend's settings) reaches the hooks the agent runs
    names = sorted(line.split("=", 1)[0] for line in sh(host, "env").stdout.splitlines())
    assert names == ["HOME", "LOGNAME", "MAIL", "PATH", "PWD", "SHELL", "SHLVL", "SSH_CLIENT", "SSH_CONNECTION", "USER", "_"]
    assert sh(host, "echo $PATH; echo $HOME").stdout == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/root\n"


def test_a_hook_with_runas_the_images_user_runs_as_it(host, tmp_path):
    # issue 21: "runuser: user ubuntu does not exist" on the sandbox host
    from tests.deploy.revisions import python_revision
    from vendor.deploy.bundle import build_bundle
    from vendor.deploy.history import GroupState
    from vendor.deploy.rollout import Group, Rollout

    revision = python_revision(tmp_path / "rev", extra_hook=("AfterInstall", 'echo "as $(id -un): $(sudo -n id -un)"', 60))
    appspec = revision / "appspec.yml"
    appspec.write_text(appspec.read_text().replace("      timeout: 60\n", "      timeout: 60\n      runas: ubuntu\n", 1))
    lines = []
    rollout = Rollout([host], Group("shop-app", "shop-staging", "g-shop"), GroupState(tmp_path / "state", "shop-staging"),
                      on_output=lambda h, line: lines.append(line))
    bundle = build_bundle(revision)
    result = rollout.deploy(bundle.data, bundle.sha256)
    assert result.ok, result.message
    assert "AfterInstall: as ubuntu: root" in lines


def _installing_web_unit(then: str) -> str:
    """Shell that puts the test's web unit (on all addresses, started at boot once enabled) on a
    host as an image's bake would, then runs `then`."""
    unit = UNIT.replace("${ADDRESS}", "0.0.0.0").replace("Restart=always\n", "[Install]\nWantedBy=multi-user.target\n")
    return (f"mkdir -p /srv/web && chown ubuntu /srv/web && cat > /etc/systemd/system/web.service <<'EOF'\n"
            f"{unit}EOF\n{then}")


def test_services_enabled_in_the_image_run_when_a_host_boots_from_it(local_hosts_factory):
    # as an instance boots with the services its image enabled (the bake's `systemctl enable`, or a
    # package's default such as apache2's): otherwise a revision that only copies files fails here
    hosts = local_hosts_factory(1, image_user="ubuntu")
    build = hosts.hosts[0]
    enabled = sh(build, _installing_web_unit("systemctl enable web"))
    assert (enabled.exit_code, enabled.stderr) == (0, "vend sandbox (no systemd on this host): systemctl stand-in: "
                                                      "enable web.service: it starts when the host boots\n")
    hosts.stop(build.name)
    (instance,) = hosts.start(1, names=["booted"], lower_dir=[hosts.upper_dir(build.name), "/"])
    assert wait_for(f"http://{instance.address}:8081/index.html") == "hello from the unit\n"
    assert sh(instance, "systemctl is-active web; systemctl disable web").stdout == "active\n"


# modelled on the unit `pm2 startup systemd -u ubuntu --hp /home/ubuntu` writes: Type=forking, the
# daemon's own PIDFile; the daemon usually runs already (the hook that ran `pm2 start` spawned it)
PM2_LIKE = """\
[Service]
Type=forking
User=ubuntu
PIDFile=/home/ubuntu/{name}.pid
ExecStart=/bin/sh -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > /home/ubuntu/{name}.pid'
ExecStop=/bin/sh -c 'echo ExecStop ran >> /home/ubuntu/{name}.stops'
[Install]
WantedBy=multi-user.target
"""


def test_a_forking_unit_is_active_only_once_systemctl_started_it_not_for_a_live_pid_file(host):
    # systemd reads a forking unit's PIDFile after its ExecStart, never before: a daemon that wrote
    # it on its own (pm2's, spawned by a hook) leaves the unit inactive, and stopping an inactive
    # unit runs nothing and kills nothing
    name = f"pm2like{uuid.uuid4().hex[:6]}"
    outside = (f"cat > /etc/systemd/system/{name}.service <<'EOF'\n{PM2_LIKE.format(name=name)}EOF\n"
               f"runuser -u ubuntu -- sh -c 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > /home/ubuntu/{name}.pid'; "
               f"systemctl is-active {name}; systemctl stop {name}; kill -0 $(cat /home/ubuntu/{name}.pid) && echo alive; "
               f"cat /home/ubuntu/{name}.stops 2>/dev/null; true")
    assert sh(host, outside).stdout == "inactive\nalive\n"
    started = sh(host, f"old=$(cat /home/ubuntu/{name}.pid); systemctl start {name} && systemctl is-active {name} && "
                       f"test $(cat /run/vend-services/{name}.pid) = $(cat /home/ubuntu/{name}.pid) && "
                       f"test $(cat /home/ubuntu/{name}.pid) != $old && echo its own pid; "
                       f"systemctl stop {name}; systemctl is-active {name}; cat /home/ubuntu/{name}.stops; kill $old")
    assert (started.stdout, started.stderr) == ("active\nits own pid\ninactive\nExecStop ran\n", "")


def test_what_the_stand_in_kept_before_a_reboot_is_not_taken_for_a_running_service_after_it(local_hosts_factory):
    # an instance's /run is a fresh tmpfs at boot; a host's is on its disk: a pid the stand-in noted
    # before the reboot may belong to another process after it (pid 1 here, which always does)
    hosts = local_hosts_factory(1, image_user="ubuntu")
    build = hosts.hosts[0]
    setup = "systemctl enable -q web && systemctl start web && echo 1 > /run/vend-services/web.pid"
    assert sh(build, _installing_web_unit(setup)).exit_code == 0
    hosts.stop(build.name)
    host = hosts.start_host(build.name)
    assert wait_for(f"http://{host.address}:8081/index.html") == "hello from the unit\n"
    assert sh(host, "test $(cat /run/vend-services/web.pid) != 1 && systemctl is-active web").stdout == "active\n"


def test_enabling_a_unit_without_install_section_does_not_make_it_start_at_boot(host):
    # systemd enables a unit through its [Install] section (WantedBy=...): one without it is "static",
    # `systemctl enable` says so and changes nothing, and the instance does not start it at boot
    name = f"static{uuid.uuid4().hex[:6]}"
    done = sh(host, f"cat > /etc/systemd/system/{name}.service <<'EOF'\n[Service]\nExecStart=/bin/sleep 300\nEOF\n"
                    f"systemctl enable {name}; echo enable=$?; systemctl is-enabled {name}; echo is-enabled=$?; "
                    f"test -e /var/lib/vend-services/enabled/{name} || echo not recorded")
    assert (done.stdout, done.stderr) == ("enable=0\nstatic\nis-enabled=0\nnot recorded\n", (
        "vend sandbox (no systemd on this host): systemctl stand-in: enable " + name + ".service: the unit has no "
        "installation config (WantedBy=, RequiredBy=, UpheldBy=, Also=, Alias= in [Install]), so, as systemd, "
        "nothing is enabled: it does not start when the host boots\n"))
