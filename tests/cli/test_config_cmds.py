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
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"vend {' '.join(path)} --help shows no example"


# `vend render` in a child whose address space is bounded: a YAML bomb that got through would fail
# fast, not swap the machine (never bounded in the test process itself, where it breaks later tests)
BOUNDED_VEND = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, resource.getrlimit(resource.RLIMIT_AS)[1]))
from vendor.cli.main import cli
cli(sys.argv[1:], prog_name="vend")
"""


def test_render_refuses_hostile_configs_with_one_line_each_and_writes_nothing(tmp_path):
    """`vend render` of configs with a shell-command health path, a `/../..` health path and a billion-laughs anchor exits 2 with one `FILE:LINE path:` line each, no traceback, nothing written (and nothing run)."""
    minimal = (REPO_ROOT / "tests" / "config" / "minimal.yaml").read_text()
    shell, climb, bomb = tmp_path / "shell.yaml", tmp_path / "climb.yaml", tmp_path / "bomb.yaml"
    shell.write_text(minimal.replace("    path: /health", '    path: "/$(touch$IFS/tmp/x)"'))
    climb.write_text(minimal.replace("    path: /health", "    path: /../../../../escaped"))
    laughs = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    bomb.write_text(minimal + 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + laughs)
    result = subprocess.run([sys.executable, "-c", BOUNDED_VEND, "render", str(shell), str(climb), str(bomb),
                             "--out", str(tmp_path / "build")], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 2, result.stderr
    words = ("is not a URL path starting with / of letters, digits and - . _ ~ ! & ( ) * + , ; = : @ % / ? "
             "(no $, quotes or .. segments) (for example /health)")
    assert result.stderr.splitlines() == [
        f"{shell}:18 routing/health_check/path: '/$(touch$IFS/tmp/x)' {words}",
        f"{climb}:18 routing/health_check/path: '/../../../../escaped' {words}",
        f"{bomb}:31 l4: more than 50000 values, counting each alias expansion (aliases repeat the anchored value "
        "and nested aliases multiply it (a YAML bomb): write the values out or use fewer aliases)",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.yaml", "climb.yaml", "shell.yaml"]
