"""connect(): key-only login and host-key pinning fail at once, with the reason."""
import dataclasses
import subprocess
import time

import pytest

from vendor.ssh import ConnectError, connect, run

pytestmark = pytest.mark.root  # real namespaces and sshd


def _keypair(directory):
    key = directory / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def test_the_run_key_logs_in_with_the_host_key_pinned(local_hosts):
    host = local_hosts.hosts[0]
    assert host.known_hosts.read_text().count(host.address + " ssh-ed25519 ") == 1
    with connect(host) as conn:
        assert run(conn, ["id", "-un"], timeout=10).stdout == "root\n"


def test_another_key_is_refused_without_retrying(local_hosts, tmp_path):
    host = dataclasses.replace(local_hosts.hosts[0], key_path=_keypair(tmp_path))
    started = time.monotonic()
    with pytest.raises(ConnectError, match="authentication as 'root' with key .* failed"):
        connect(host, retry_for=10)
    assert time.monotonic() - started < 3


def test_a_host_presenting_an_unexpected_host_key_is_rejected(local_hosts, tmp_path):
    host = local_hosts.hosts[0]
    other = _keypair(tmp_path).with_suffix(".pub").read_text().split()[:2]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"{host.address} {' '.join(other)}\n")
    with pytest.raises(ConnectError, match="host key does not match"):
        connect(dataclasses.replace(host, known_hosts=known_hosts), retry_for=10)


def test_a_host_missing_from_known_hosts_is_rejected(local_hosts, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    with pytest.raises(ConnectError, match="not in .*known_hosts"):
        connect(dataclasses.replace(local_hosts.hosts[0], known_hosts=known_hosts))
