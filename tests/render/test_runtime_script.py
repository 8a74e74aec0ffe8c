"""The EC2 image's env file writer install script: what the bake knows, the writer verbatim, valid sh."""
from __future__ import annotations

import subprocess
from pathlib import Path

from vendor.config.loader import load_config
from vendor.render.runtime_script import runtime_script

ROOT = Path(__file__).resolve().parents[2]


def test_install_script_carries_the_writer_and_the_settings(tmp_path):
    script = runtime_script(load_config(str(ROOT / "configs" / "acme-production.yaml")).config)
    assert "customer=acme\nenvironment=production\ngroup=www-data\ndatabase=vend-acme-production\n" in script
    writer = script.split("<<'VEND_ENV_FILE_PY'\n", 1)[1].split("VEND_ENV_FILE_PY\n", 1)[0]
    assert writer == (ROOT / "packer" / "scripts" / "vend-env-file.py").read_text()
    path = tmp_path / "vend-runtime.sh"
    path.write_text(script)
    assert subprocess.run(["sh", "-n", str(path)], capture_output=True).returncode == 0
    no_db = runtime_script(load_config(str(ROOT / "configs" / "globex-development.yaml")).config)
    assert "group=root\ndatabase=\n" in no_db


def test_the_cloudwatch_agent_ships_the_app_deploy_and_system_logs():
    import json

    from vendor.render.runtime_script import cloudwatch_agent_config

    files = json.loads(cloudwatch_agent_config(load_config(str(ROOT / "configs" / "acme-production.yaml")).config))
    assert [(f["file_path"], f["log_stream_name"]) for f in files["logs"]["logs_collected"]["files"]["collect_list"]] == [
        ("/var/log/apache2/access.log", "{instance_id}/access"), ("/var/log/apache2/error.log", "{instance_id}/error"),
        ("/opt/codedeploy-agent/deployment-root/*/*/logs/scripts.log", "{instance_id}/deploy"),
        ("/var/log/aws/codedeploy-agent/codedeploy-agent.log", "{instance_id}/codedeploy-agent"),
        ("/var/log/syslog", "{instance_id}/syslog")]
    assert {f["log_group_name"] for f in files["logs"]["logs_collected"]["files"]["collect_list"]} == {"/vend/acme/production"}


def test_the_image_gets_the_starter_apps_database_client(tmp_path):
    from vendor.render.packer import packages

    path = tmp_path / "shop-staging.yaml"
    path.write_text((ROOT / "tests" / "config" / "minimal.yaml").read_text())  # python + postgres
    assert packages(load_config(str(path)).config) == ["python3", "python3-venv", "curl", "postgresql-client"]
    assert packages(load_config(str(ROOT / "configs" / "globex-development.yaml")).config) == [
        "python3", "python3-venv", "curl"]  # no database
