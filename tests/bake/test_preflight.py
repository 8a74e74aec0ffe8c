"""`vend doctor`'s Packer check with this machine's Packer (Debian's 1.6.6)."""
from __future__ import annotations

import shutil

import pytest

from vendor.bake.preflight import packer
from vendor.plan.preflight import Finding

needs_packer = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not installed")


@needs_packer
def test_debians_packer_serves_the_local_builder_only():
    assert packer("packer", "local") == Finding("packer", "ok", "Packer 1.6.6 for the local builder (plugin built in or not needed)")
    assert packer("packer", "amazon-ebs") == Finding(
        "packer", "fail", "Packer 1.6.6 cannot bake with the amazon-ebs builder: it needs Packer 1.8.1 or newer (older "
        "Packer cannot log in to Ubuntu 22.04 and later: RSA/SHA-1 SSH signatures are refused)",
        "install a current Packer (https://developer.hashicorp.com/packer/install) and point VEND_PACKER at it, "
        "or bake with VEND_BUILDER=local")


def test_no_packer_is_a_finding(tmp_path):
    found = packer(str(tmp_path / "packer"), "local")
    assert (found.status, found.fix) == ("fail", "install Packer, or point VEND_PACKER at it")


def test_a_modern_packer_with_and_without_the_amazon_plugin(tmp_path):
    """A stand-in for Packer 1.11 (none can be installed here offline) answering `version` and `plugins installed`."""
    binary = tmp_path / "packer"
    listed = tmp_path / "plugins"
    binary.write_text(f'#!/bin/sh\ncase "$1" in version) echo "Packer v1.11.2" ;; plugins) cat "{listed}" ;; esac\n')
    binary.chmod(0o755)
    listed.write_text("")
    assert packer(str(binary), "amazon-ebs").detail == (
        "Packer 1.11.2 for amazon-ebs; the Amazon plugin is not installed yet (vend bake runs packer init plugins.pkr.hcl)")
    listed.write_text("/root/.config/packer/plugins/github.com/hashicorp/amazon/packer-plugin-amazon_v1.3.2_x5.0_linux_amd64\n")
    assert packer(str(binary), "amazon-ebs") == Finding("packer", "ok", "Packer 1.11.2 for amazon-ebs, Amazon plugin installed")
