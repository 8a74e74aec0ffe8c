"""LocalHosts: isolation, routing from the real machine, baked layers, and a clean stop."""
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from vendor.sandbox import netns
from vendor.sandbox.hosts import HostsBusy, LocalHosts, LocalHostsError
from vendor.ssh import HostGroup, connect, run

pytestmark = pytest.mark.root  # real namespaces and sshd


def test_files_are_isolated_between_hosts_and_from_the_real_machine(local_hosts):
    page = f"/var/www/html/vend-test-{uuid.uuid4().hex}.html"
    assert not os.path.exists(page)
    with HostGroup(local_hosts.hosts) as group:
        for host in group.hosts:
            script = f'mkdir -p /var/www/html && printf %s "$1" > {page}'
            assert group.run(host, ["sh", "-c", script, "sh", host.name], timeout=10).ok
        for host in group.hosts:
            assert group.run(host, ["cat", page], timeout=10).stdout == host.name
    assert not os.path.exists(page)
    first = local_hosts.hosts[0].name
    assert (local_hosts.upper_dir(first) / page.lstrip("/")).read_text() == first


def test_hosts_cannot_see_the_run_directory_with_the_private_key(local_hosts):
    host = local_hosts.hosts[0]
    with connect(host) as conn:
        assert run(conn, ["test", "-e", str(host.key_path)], timeout=10).exit_code == 1
    assert host.key_path.exists()


def test_an_http_server_in_a_host_is_reachable_from_the_real_machine(local_hosts):
    host = local_hosts.hosts[1]
    with connect(host) as conn:
        directory = f"/tmp/www-{uuid.uuid4().hex}"
        page = f'mkdir {directory} && echo "hello from $(hostname)" > {directory}/index.html'
        run(conn, ["sh", "-c", page], timeout=10)
        start = (f"python3 -m http.server 8080 --bind {host.address} --directory {directory} "
                 ">/dev/null 2>&1 & echo $!")
        pid = run(conn, ["sh", "-c", start], timeout=10).stdout.strip()
        try:
            url = f"http://{host.address}:8080/index.html"
            body, deadline = None, time.monotonic() + 10
            while body is None:
                try:
                    with urllib.request.urlopen(url, timeout=2) as r:
                        body = r.read().decode()
                except OSError:
                    assert time.monotonic() < deadline, "http.server in the host never answered"
                    time.sleep(0.1)
            assert body == f"hello from {host.name}\n"
        finally:
            run(conn, ["kill", pid], timeout=10)


def test_a_host_can_boot_from_a_stopped_hosts_layer(local_hosts_factory):
    hosts = local_hosts_factory(1)
    with connect(hosts.host("host1")) as conn:
        bake = "mkdir -p /opt/baked && echo image-v1 > /opt/baked/VERSION"
        run(conn, ["sh", "-c", bake], timeout=10)
    with pytest.raises(LocalHostsError, match="stop host host1"):
        hosts.start(1, lower_dir=[hosts.upper_dir("host1"), "/"])
    hosts.stop("host1")
    (web,) = hosts.start(1, names=["web1"], lower_dir=[hosts.upper_dir("host1"), "/"])
    with connect(web) as conn:
        assert run(conn, ["cat", "/opt/baked/VERSION"], timeout=10).stdout == "image-v1\n"
        assert run(conn, ["hostname"], timeout=10).stdout == "web1\n"
        run(conn, ["sh", "-c", "echo changed > /opt/baked/VERSION"], timeout=10)
    assert (hosts.upper_dir("host1") / "opt/baked/VERSION").read_text() == "image-v1\n"


def test_a_second_owner_of_a_prefix_is_refused(local_hosts):
    other = LocalHosts(prefix=local_hosts.naming.prefix, subnet=str(local_hosts.naming.subnet))
    with pytest.raises(HostsBusy, match="in use by another process"):
        other.start(1)
    assert local_hosts.running(local_hosts.hosts[0].name)


def _traces(hosts: LocalHosts) -> dict:
    prefix = f"{hosts.naming.prefix}-"
    mounts = Path("/proc/mounts").read_text()
    return {
        "netns": [n for n in netns.list_netns() if n.startswith(prefix)],
        "links": [link for link in netns.list_links() if link.startswith(prefix)],
        "mounts": [m for m in mounts.splitlines() if str(hosts.base_dir) in m or f"/{prefix}" in m],
        "base_dir": hosts.base_dir.exists(),
    }


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_stop_all_leaves_nothing_behind_and_is_idempotent(local_hosts_factory):
    hosts = local_hosts_factory(2)
    pids = [pid for h in hosts.hosts for pid in netns.netns_pids(hosts.naming.netns(h.name))]
    assert len(pids) >= 4  # per host: unshare and sshd at least
    assert _traces(hosts)["netns"] and _traces(hosts)["links"]
    hosts.stop_all()
    assert _traces(hosts) == {"netns": [], "links": [], "mounts": [], "base_dir": False}
    assert _alive(pids) == []
    hosts.stop_all()
    assert _traces(hosts)["netns"] == []


def test_stop_all_again_leaves_a_new_owner_of_the_prefix_alone(local_hosts_factory):
    first = local_hosts_factory(1)
    first.stop_all()
    second = LocalHosts(prefix=first.naming.prefix, subnet=str(first.naming.subnet))
    try:
        second.start(1)
    except HostsBusy:
        second = None  # a concurrent test session took the slot: it is the new owner
    try:
        first.stop_all()  # e.g. a fixture's final clean-up after the slot was reused
        if second is not None:
            assert second.running("host1")
            assert _traces(second)["netns"] == [first.naming.netns("host1")]
    finally:
        if second is not None:
            second.stop_all()


CRASHING_RUN = textwrap.dedent("""
    import json, os, sys
    from vendor.sandbox.hosts import HostsBusy, LocalHosts, SubnetInUse
    for prefix, subnet in json.loads(sys.argv[1]):
        try:
            LocalHosts(prefix=prefix, subnet=subnet).start(2)
        except (HostsBusy, SubnetInUse):
            continue
        print(prefix, subnet)
        os._exit(0)  # die without any clean-up, holding running hosts
    sys.exit("no free slot")
""")


def test_a_new_run_removes_what_a_crashed_run_left_behind(local_host_slots):
    crashed = subprocess.run([sys.executable, "-c", CRASHING_RUN, json.dumps(local_host_slots)],
                             timeout=30, capture_output=True, text=True)
    assert crashed.returncode == 0, crashed.stderr
    prefix, subnet = crashed.stdout.split()
    leftover = netns.netns_pids(f"{prefix}-host2")
    assert leftover, "the crashed run should have left host2 running"
    fresh = LocalHosts(prefix=prefix, subnet=subnet)
    try:
        (host,) = fresh.start(1)
    except HostsBusy:
        # A concurrent test session claimed the slot first; its start cleaned up the same way.
        assert _alive(leftover) == []
        return
    try:
        assert _traces(fresh)["netns"] == [f"{prefix}-host1"]
        assert _alive(leftover) == []
        with connect(host) as conn:
            assert run(conn, ["hostname"], timeout=10).stdout == "host1\n"
    finally:
        fresh.stop_all()
    assert _traces(fresh) == {"netns": [], "links": [], "mounts": [], "base_dir": False}
