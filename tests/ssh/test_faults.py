"""Hosts that die: fast, clear failures instead of hangs."""
import threading
import time

import pytest

from vendor.ssh import ConnectError, ConnectionLost, HostGroup, connect, run

pytestmark = pytest.mark.root  # real namespaces and sshd


@pytest.fixture(scope="module")
def pair(local_hosts_factory):
    """Two hosts of our own, since these tests kill them."""
    return local_hosts_factory(2)


def test_a_stopped_host_refuses_fast_with_a_clear_error(pair):
    """A stopped host fails a connect fast with a clear error, not a long hang."""
    host = pair.host("host2")
    pair.stop("host2")
    try:
        started = time.monotonic()
        with pytest.raises(ConnectError, match=r"host2 .*connection refused"):
            connect(host, retry_for=1.0)
        assert time.monotonic() - started < 6  # bounded by retry_for, not a connect timeout
    finally:
        pair.start_host("host2")


def test_a_host_dying_mid_command_raises_connection_lost(pair):
    """A host dying mid-command raises ConnectionLost within seconds."""
    outcome = {}

    def long_command():
        with connect(pair.host("host1")) as conn:
            try:
                run(conn, ["sh", "-c", "echo up; sleep 60"], timeout=30,
                    on_output=lambda stream, line: outcome.setdefault("started", time.monotonic()))
            except Exception as e:  # noqa: BLE001 - the exception is what this test checks
                outcome["error"] = e
                outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=long_command)
    worker.start()
    deadline = time.monotonic() + 5
    while "started" not in outcome and time.monotonic() < deadline:
        time.sleep(0.02)
    killed = time.monotonic()
    pair.stop("host1")
    worker.join(timeout=10)
    try:
        assert isinstance(outcome.get("error"), ConnectionLost), outcome
        assert outcome["ended"] - killed < 3
    finally:
        pair.start_host("host1")


def test_a_restarted_host_keeps_its_files(pair):
    """A host restarted after a crash keeps its disk, as an EC2 instance does."""
    with connect(pair.host("host1")) as conn:
        run(conn, ["sh", "-c", "mkdir -p /opt/app && echo v1 > /opt/app/REVISION"], timeout=10)
    pair.stop("host1")
    assert not pair.running("host1")
    pair.start_host("host1")
    with connect(pair.host("host1")) as conn:
        assert run(conn, ["cat", "/opt/app/REVISION"], timeout=10).stdout == "v1\n"


def test_run_each_reports_the_dead_host_and_still_runs_the_others(pair):
    """Running on a group with one dead host names that host and still runs on the others."""
    pair.stop("host2")
    try:
        with HostGroup(pair.hosts, retry_for=0.5) as group:
            outcomes = group.run_each(["hostname"], timeout=10)
        assert [o.host.name for o in outcomes] == ["host1", "host2"]
        assert outcomes[0].ok and outcomes[0].result.stdout == "host1\n"
        assert not outcomes[1].ok and isinstance(outcomes[1].error, ConnectError)
    finally:
        pair.start_host("host2")
