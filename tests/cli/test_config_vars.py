"""`vend config list|get|set|unset` against the moto server: Parameter Store under vend's prefix,
SecureString for secrets, values never printed unless revealed, every change in the audit log."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from vendor.aws.endpoint import DUMMY_CREDENTIALS
from vendor.cli.main import cli

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"
SECRET = "hunter2-Zq9"


@pytest.fixture
def env(moto_url, tmp_path, monkeypatch):
    key, secret = DUMMY_CREDENTIALS
    for name, value in {"AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                        "VEND_STATE_DIR": str(tmp_path / "state")}.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "cfgvars-staging.yaml"
    config.write_text(MINIMAL.read_text().replace("customer: shop", "customer: cfgvars"))
    ssm = boto3.client("ssm", region_name="eu-west-1", endpoint_url=moto_url, aws_access_key_id=key,
                       aws_secret_access_key=secret)
    return str(config), ssm, tmp_path / "state"


def vend(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_set_list_get_unset(env):
    config, ssm, state = env
    done = vend("config", "set", config, "FOO=bar", "GREETING=hello world")
    assert done.exit_code == 0, done.output
    assert done.output == ("set FOO (plain, v1)\nset GREETING (plain, v1)\n"
                           "takes effect with the next deployment (or run again with --restart)\n")
    secret = vend("config", "set", config, "API_KEY", "--secret", input=SECRET + "\n")
    assert secret.exit_code == 0, secret.output
    assert SECRET not in secret.output and "set API_KEY (secret, v1)" in secret.output

    stored = ssm.get_parameter(Name="/vend/cfgvars/staging/config/API_KEY")["Parameter"]
    assert stored["Type"] == "SecureString"
    assert ssm.get_parameter(Name="/vend/cfgvars/staging/config/FOO")["Parameter"]["Type"] == "String"

    listed = vend("config", "list", config)
    assert [line.split()[:3] for line in listed.output.splitlines()] == [
        ["API_KEY", "secret", "v1"], ["FOO", "plain", "v1"], ["GREETING", "plain", "v1"]]
    assert "bar" not in listed.output and SECRET not in listed.output

    hidden = vend("config", "get", config, "API_KEY")
    assert hidden.exit_code == 0 and SECRET not in hidden.output and "(value hidden: add --reveal)" in hidden.output
    assert vend("config", "get", config, "API_KEY", "--reveal").output == SECRET + "\n"
    assert vend("config", "get", config, "GREETING", "--reveal").output == "hello world\n"

    assert vend("config", "set", config, "FOO=baz").output.startswith("set FOO (plain, v2)\n")
    assert vend("config", "unset", config, "FOO", "NOPE").output.startswith("unset FOO\nNOPE was not set\n")
    missing = vend("config", "get", config, "FOO")
    assert missing.exit_code == 1 and f"FOO is not set for cfgvars-staging (see vend config list {config})" in missing.output

    audit = (state / "deployments" / "vend-cfgvars-staging" / "audit.jsonl").read_text()
    events = [(e["event"], e.get("key"), e.get("version")) for e in map(json.loads, audit.splitlines())]
    assert events == [("config-set", "FOO", 1), ("config-set", "GREETING", 1), ("config-set", "API_KEY", 1),
                      ("config-reveal", "API_KEY", 1), ("config-reveal", "GREETING", 1), ("config-set", "FOO", 2),
                      ("config-unset", "FOO", None)]
    assert SECRET not in audit and "bar" not in audit and "hello world" not in audit


def test_bad_names_are_refused_before_anything_is_stored(env):
    config, ssm, _ = env
    Path(config).write_text(Path(config).read_text().replace("customer: cfgvars", "customer: cfgbad"))
    bad = vend("config", "set", config, "OK=1", "lower=2")
    assert bad.exit_code == 2
    assert ("'lower' is not a usable variable name: use A-Z, 0-9 and _, not starting with a digit, at most 128 "
            "characters (e.g. FEATURE_FLAGS)") in bad.output
    assert ssm.get_parameters_by_path(Path="/vend/cfgbad/staging/config/")["Parameters"] == []  # not even OK
    reserved = vend("config", "set", config, "DB_PASSWORD=x")
    assert reserved.exit_code == 2 and "DB_PASSWORD is set by vend itself" in reserved.output


def test_aws_refusing_is_one_line(env, monkeypatch):
    config, _, _ = env
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing answers there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    failed = vend("config", "list", config)
    assert failed.exit_code == 1 and failed.output.startswith("Error: cannot reach Parameter Store for cfgvars-staging: ")
    assert "Traceback" not in failed.output
