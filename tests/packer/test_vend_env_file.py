"""The env file writer baked into EC2 images (packer/scripts/vend-env-file.py) against the moto server:
with the instance role's view of Parameter Store, RDS and Secrets Manager it writes the very bytes
vend's deploy engine writes (vendor/runtime/env_values.py)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.config.loader import load_config
from vendor.runtime import env_values

SCRIPT = Path(__file__).resolve().parents[2] / "packer" / "scripts" / "vend-env-file.py"
MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"


@pytest.fixture
def aws(moto_url, monkeypatch):
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}.items():
        monkeypatch.setenv(name, value)
    return moto_url


@pytest.mark.skipif(os.geteuid() != 0, reason="writes a root-owned file")
def test_the_instance_writes_what_the_deploy_engine_writes(aws, tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text(MINIMAL.read_text().replace("customer: shop", "customer: bootenv"))
    config = load_config(str(path)).config
    store = env_values.config_vars(config, "123456789012")
    store.set("FOO", "it's bar", secret=False)
    store.set("TOKEN", "s3cr3t", secret=True)
    boto3.client("rds", region_name="eu-west-1").create_db_instance(
        DBInstanceIdentifier="vend-bootenv-staging", Engine="postgres", DBName="app", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="vend_admin", ManageMasterUserPassword=True)
    settings = tmp_path / "vend-runtime"
    settings.write_text("customer=bootenv\nenvironment=staging\ngroup=root\ndatabase=vend-bootenv-staging\n")
    target = tmp_path / "etc" / "vend" / "app.env"
    key, secret = DUMMY_CREDENTIALS
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60, env={
        "PATH": os.environ["PATH"], "VEND_AWS_ENDPOINT": aws, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": "eu-west-1", "VEND_ACCOUNT": "123456789012", "VEND_RUNTIME_SETTINGS": str(settings),
        "VEND_ENV_FILE": str(target)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"vend-env-file: wrote {target} (14 variables)\n"
    assert target.read_text() == env_values.text(config)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and stat.S_IMODE(target.parent.stat().st_mode) == 0o750


def test_off_ec2_it_leaves_the_file_alone(tmp_path):
    settings = tmp_path / "vend-runtime"
    settings.write_text("customer=x\nenvironment=y\n")
    env = {"PATH": os.environ["PATH"], "VEND_RUNTIME_SETTINGS": str(settings), "VEND_ENV_FILE": str(tmp_path / "app.env")}
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60, env=env)
    assert (done.returncode, done.stdout) == (0, f"vend-env-file: no instance metadata here; {tmp_path / 'app.env'} left as it is\n")
