"""Fixtures for the CLI tests that deploy: a config and a host list of real local SSH hosts."""
from __future__ import annotations

import pytest
import yaml

from tests.deploy.revisions import MINIMAL


@pytest.fixture
def setup(local_hosts_factory, tmp_path, monkeypatch):
    hosts = local_hosts_factory(2)
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    config = tmp_path / "shop-staging.yaml"
    config.write_text(MINIMAL.read_text().replace("  hosts: [shop.example.com]", "  hosts: [shop.example.com]\n  port: 8080"))
    hosts_file = tmp_path / "hosts.yaml"
    hosts_file.write_text(yaml.safe_dump({"hosts": [
        {"name": h.name, "address": h.address, "user": "root", "key_file": str(h.key_path)} for h in hosts.hosts]}))
    yield config, hosts_file, hosts.hosts
    hosts.stop_all()
