"""--profile and --region on every command that talks to AWS, in-process through click."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.aws.conftest import Cloud
from vendor.cli.main import cli

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
COMMANDS = [["bake"], ["images"], ["deploy"], ["rollback"], ["push"], ["pipeline", "status"], ["approvals"],
            ["plan"], ["apply"], ["destroy"], ["status"], ["release"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_that_talks_to_aws_takes_profile_and_region(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--profile TEXT" in result.output and "--region TEXT" in result.output


def _aws_files(tmp_path, monkeypatch) -> None:
    (tmp_path / "config").write_text("[profile vendtest]\nregion = eu-central-1\n")
    (tmp_path / "credentials").write_text("[vendtest]\naws_access_key_id = vendtest\naws_secret_access_key = vendtest\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)


def test_an_unknown_profile_is_a_clear_error(tmp_path, monkeypatch):
    _aws_files(tmp_path, monkeypatch)
    result = CliRunner().invoke(cli, ["images", str(CONFIGS / "acme-staging.yaml"), "--profile", "nosuch"])
    assert result.exit_code == 2
    assert ("Error: Invalid value for --profile: profile 'nosuch' is not in your AWS config or credentials file "
            "(aws configure --profile NAME adds it)") in result.output


def test_profile_and_region_reach_the_clients(tmp_path, monkeypatch, moto_url):
    _aws_files(tmp_path, monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("VEND_STATE_DIR", str(tmp_path / "state"))
    ami = Cloud(moto_url).bake("acme", "staging", region="ap-southeast-2")
    result = CliRunner().invoke(cli, ["images", str(CONFIGS / "acme-staging.yaml"), "--profile", "vendtest",
                                      "--region", "ap-southeast-2"])
    assert result.exit_code == 0, result.output
    assert ami in result.output
    elsewhere = CliRunner().invoke(cli, ["images", str(CONFIGS / "acme-staging.yaml"), "--profile", "vendtest"])
    assert elsewhere.exit_code == 0 and ami not in elsewhere.output
