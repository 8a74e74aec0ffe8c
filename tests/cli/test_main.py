"""`vend`: every command is found, each loading only its own module."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

from click.testing import CliRunner

import vendor.cli
from vendor.cli.main import MODULES, cli, command_in


def test_every_command_a_cli_module_offers_is_a_vend_command():
    offered = {}
    for info in (m for m in pkgutil.iter_modules(vendor.cli.__path__) if not m.name.startswith("_")):
        module = importlib.import_module(f"vendor.cli.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            offered[command.name] = info.name
    assert offered and {name: MODULES[name] for name in offered} == offered
    for name, module in MODULES.items():
        assert command_in(module, name).name == name


def test_help_lists_them_all_and_an_unknown_one_is_refused():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].split()
    assert all(name in listed for name in MODULES)
    result = CliRunner().invoke(cli, ["plna"])
    assert result.exit_code == 2 and "No such command 'plna'" in result.output


def test_a_command_loads_only_what_it_needs():
    probe = ("import sys; from vendor.cli.main import cli, command_in; command_in('stack', 'plan'); "
             "print(sorted(m for m in sys.modules if m.startswith(('vendor.cli.', 'vendor.bake', 'paramiko'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "vendor.cli.stack" in loaded and "vendor.cli.bake" not in loaded and "vendor.bake" not in loaded
