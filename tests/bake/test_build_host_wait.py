"""Two bakes on one machine: the second waits while the first holds the local build hosts."""
import subprocess
import sys
import textwrap
import threading

import pytest

from vendor.bake.local import start_build_host
from vendor.bake.target import BakeError
from vendor.sandbox.hosts import LocalHosts

pytestmark = pytest.mark.root

# Another process holding the prefix's lock, as another bake's LocalHosts does while it runs.
HOLDER = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.readline()
""")


@pytest.fixture
def other_bake(local_host_slots):
    prefix, subnet = local_host_slots[-1]
    hosts = LocalHosts(prefix, subnet=subnet)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(hosts.lock_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    try:
        yield hosts, holder
    finally:
        holder.kill()
        holder.wait(10)
        hosts.stop_all()


def test_a_bake_waits_for_the_other_and_says_so_then_boots_its_build_host(other_bake):
    hosts, holder = other_bake
    said = []
    threading.Timer(1.5, lambda: holder.stdin.close()).start()  # the other bake ends
    host = start_build_host(hosts, "bake-test", "ubuntu", said.append, wait=60)
    assert hosts.running("bake-test") and host.name == "bake-test"
    assert said == [f"waiting for another bake on this machine (local build hosts {hosts.naming.prefix} in use)"]


def test_a_bake_gives_up_after_its_wait_with_what_to_do(other_bake):
    hosts, _ = other_bake
    with pytest.raises(BakeError) as e:
        start_build_host(hosts, "bake-test", "ubuntu", lambda line: None, wait=1)
    assert str(e.value) == (
        f"another bake on this machine held the local build hosts (prefix {hosts.naming.prefix}) for 1s: wait for "
        "it to end, or give this one its own with VEND_BAKE_HOSTS_PREFIX and VEND_BAKE_HOSTS_SUBNET")
    assert hosts.hosts == []
