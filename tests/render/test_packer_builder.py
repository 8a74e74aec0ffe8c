"""The Packer template for a real account: modern Packer, ed25519 login, a build subnet, provisioning
that waits for cloud-init and the apt lock; the local builder still validates with Debian's 1.6.6."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.paths import PACKER_DIR
from vendor.render.outputs import write
from vendor.render.packer import file_names, render_packer

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
needs_packer = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not installed")


def _files(cf) -> dict[str, str]:
    return {f.path: f.content for f in render_packer(cf, cf.path.name) if hasattr(f, "content")}


def test_amazon_ebs_logs_in_with_ed25519_and_states_the_packer_it_needs():
    cf = load_config(CONFIGS / "acme-staging.yaml")
    files = _files(cf)
    template = files["packer-acme-staging.pkr.hcl"]
    assert '  temporary_key_pair_type = "ed25519"\n' in template
    assert "# amazon-ebs needs Packer >= 1.8.1: packer init plugins.pkr.hcl first. The local builder: Packer >= 1.6.\n" in template
    assert '  required_version = ">= 1.8.1"\n' in files["plugins.pkr.hcl"]
    assert "vpc_id" not in template and "subnet_id" not in template  # the default VPC unless configured


def test_a_configured_build_subnet_is_used(tmp_path):
    text = (CONFIGS / "globex-development.yaml").read_text().replace(
        "  volume_size_gb: 12", "  volume_size_gb: 12\n  build:\n    vpc_id: vpc-0abc1234\n    subnet_id: subnet-0abc1234")
    (tmp_path / "globex-development.yaml").write_text(text)
    files = _files(load_config(tmp_path / "globex-development.yaml"))
    template, values = files["packer-globex-development.pkr.hcl"], files["globex-development.pkrvars.hcl"]
    assert ('  temporary_key_pair_type = "ed25519"\n  vpc_id                  = var.build_vpc_id\n'
            "  subnet_id               = var.build_subnet_id\n") in template
    assert 'build_vpc_id    = "vpc-0abc1234"\nbuild_subnet_id = "subnet-0abc1234"\n' in values


def test_provisioning_waits_for_cloud_init_and_the_apt_lock():
    script = (PACKER_DIR / "scripts" / "install-packages.sh").read_text()
    assert "timeout 900 cloud-init status --wait" in script
    assert 'lock="-o DPkg::Lock::Timeout=600"' in script and "apt-get $lock install" in script


@needs_packer
def test_the_local_builder_template_validates_with_debians_packer(tmp_path):
    from vendor.bake.local import null_source  # the local builder's source block

    cf = load_config(CONFIGS / "acme-staging.yaml")
    write(render_packer(cf, cf.path.name, source=null_source), tmp_path)
    names = file_names(cf.config)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "key")], check=True)
    host = ["-var=build_host=127.0.0.1", "-var=build_port=22", "-var=build_user=root",
            f"-var=build_private_key_file={tmp_path / 'key'}"]
    result = subprocess.run(["packer", "validate", f"-var-file={names['vars']}", *host, names["template"]], cwd=tmp_path,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "CHECKPOINT_DISABLE": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
