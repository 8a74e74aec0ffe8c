"""Sandbox environment records: each environment keeps its slot (prefix + subnet); a new one takes
the first slot neither another environment of this state dir nor another sandbox here holds."""
from __future__ import annotations

from pathlib import Path

from vendor.sandbox import environments
from vendor.sandbox.environments import Environment


def test_claim_save_and_hosts_by_instance(tmp_path):
    first = environments.claim(tmp_path, "acme-production", "eu-west-1")
    assert (first.slot, first.prefix, first.subnet) == (0, "vu0", "10.214.0.0/24")
    environments.save(tmp_path, Environment("acme-production", "eu-west-1", 0, "ami-1", {
        "i-0abc": {"address": "10.214.0.2", "port": 22, "user": "root", "key_path": "/k", "known_hosts": "/kh"}}))
    assert environments.claim(tmp_path, "acme-production", "eu-west-1").ami == "ami-1"  # its own record
    second = environments.claim(tmp_path, "globex-development", "us-east-1", busy=lambda prefix: prefix == "vu1")
    assert second.slot == 2  # 0 is acme's, vu1 is in use by another sandbox on this machine
    host = environments.hosts_by_instance(tmp_path)["i-0abc"]
    assert (host.name, host.address, host.user, host.key_path, host.known_hosts) == (
        "i-0abc", "10.214.0.2", "root", Path("/k"), Path("/kh"))
    environments.remove(tmp_path, "acme-production")
    assert environments.load_all(tmp_path) == [] and environments.hosts_by_instance(tmp_path) == {}


def test_a_broken_record_is_ignored(tmp_path):
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "x.json").write_text("{not json")
    assert environments.load_all(tmp_path) == []


def test_records_are_kept_in_a_private_state_directory(tmp_path):
    """The sandbox records (host addresses, key paths) go into a state directory made 0700."""
    import os
    import stat
    old = os.umask(0o022)
    try:
        environments.save(tmp_path / "state", Environment("acme-production", "eu-west-1", 0, "ami-1", {}))
    finally:
        os.umask(old)
    assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in (tmp_path / "state", tmp_path / "state" / "sandbox")] == \
        ["0o700", "0o700"]
