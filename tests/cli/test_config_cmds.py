"""`vend validate`, `vend render`, `vend schema` as a user runs them: exit codes, output, no traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vendor.cli.main import cli
from vendor.paths import REPO_ROOT

EXAMPLES = [str(p) for p in sorted((REPO_ROOT / "configs").glob("*.yaml"))]


def test_validate_examples():
    result = CliRunner().invoke(cli, ["validate", *EXAMPLES])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == len(EXAMPLES)


def test_validate_reports_problems_of_all_files_with_exit_2(tmp_path):
    bad1, bad2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    bad1.write_text("customer: Acme\n")
    bad2.write_text("[1, 2\n")
    result = subprocess.run([sys.executable, "-m", "vendor.cli", "validate", str(bad1), str(bad2)],
                            capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert f"{bad1}:1 customer: 'Acme' is not lowercase letters, digits and hyphens, starting with a letter (for example acme)" in lines
    assert f"{bad1}:1 environment: required key is missing (add environment:)" in lines
    assert any(line.startswith(f"{bad2}:2 (file): YAML syntax error") for line in lines)


def test_render_writes_the_build_directory(tmp_path):
    result = CliRunner().invoke(cli, ["render", str(REPO_ROOT / "configs" / "acme-production.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "acme-production"
    for name in ["packer-acme-production.pkr.hcl", "plugins.pkr.hcl", "acme-production.pkrvars.hcl",
                 "app/appspec.yml", "app/buildspec.yml", "app/scripts/validate_service.sh"]:
        assert (out / name).is_file(), name


def test_render_of_a_bad_config_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("customer: acme\n")
    result = CliRunner().invoke(cli, ["render", EXAMPLES[0], str(bad), "--out", str(tmp_path / "build")])
    assert result.exit_code == 2
    assert not (tmp_path / "build").exists()


def test_schema_prints_json_schema():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "vend customer environment config"


def _commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"vend {' '.join(path)} --help shows no example"
