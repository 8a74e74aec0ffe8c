"""Which Packer each builder needs."""
from __future__ import annotations

from vendor.bake.packer_version import needs_init, problem


def test_amazon_ebs_needs_packer_1_8_1():
    assert problem("amazon-ebs", "1.6.6") == (
        "Packer 1.6.6 cannot bake with the amazon-ebs builder: it needs Packer 1.8.1 or newer (older Packer "
        "cannot log in to Ubuntu 22.04 and later: RSA/SHA-1 SSH signatures are refused). Install a current Packer "
        "(https://developer.hashicorp.com/packer/install) and point VEND_PACKER at it, or bake with VEND_BUILDER=local")
    assert problem("amazon-ebs", "1.8.0") is not None
    assert problem("amazon-ebs", "1.8.1") is None and problem("amazon-ebs", "1.11.2") is None


def test_the_local_builder_works_with_debians_packer():
    assert problem("local", "1.6.6") is None


def test_plugins_are_initialised_from_packer_1_7_for_amazon_ebs():
    assert needs_init("amazon-ebs", "1.11.2") and not needs_init("amazon-ebs", "1.6.6")
    assert not needs_init("local", "1.11.2")
