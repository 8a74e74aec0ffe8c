"""The starter revision for each stack: appspec, hooks, buildspec and an app answering the health check."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from vendor.config.loader import load_config
from vendor.render.appspec import render_app
from vendor.render.outputs import write

MINIMAL = (Path(__file__).parents[1] / "config" / "minimal.yaml").read_text()
STACKS = ["static-site", "php-apache", "python"]


@pytest.fixture
def starter(tmp_path):
    def make(stack: str) -> Path:
        path = tmp_path / f"{stack}.yaml"
        path.write_text(MINIMAL.replace("stack: python", f"stack: {stack}").replace("path: /health", "path: /healthz"))
        out = tmp_path / stack
        write(render_app(load_config(path).config, prefix="."), out)
        return out
    return make


@pytest.mark.parametrize("stack", STACKS)
def test_every_hook_script_exists_and_is_executable(starter, stack):
    root = starter(stack)
    appspec = yaml.safe_load((root / "appspec.yml").read_text())
    assert appspec["version"] == 0.0 and appspec["os"] == "linux"
    for event, scripts in appspec["hooks"].items():
        for script in scripts:
            path = root / script["location"]
            assert path.is_file(), f"{stack}: {event} names {script['location']}"
            assert path.stat().st_mode & 0o111
            subprocess.run(["sh", "-n", str(path)], check=True)
    for mapping in appspec["files"]:
        assert (root / mapping["source"]).exists()
    assert yaml.safe_load((root / "buildspec.yml").read_text())["version"] == 0.2


@pytest.mark.parametrize("stack", STACKS)
def test_validate_service_asks_the_configured_health_check(starter, stack):
    text = (starter(stack) / "scripts" / "validate_service.sh").read_text()
    assert "url='http://127.0.0.1:80/healthz'" in text


def test_document_root_stacks_ship_a_health_file(starter):
    assert (starter("static-site") / "site" / "healthz").read_text() == "ok\n"
    assert (starter("php-apache") / "app" / "healthz").read_text() == "ok\n"


def test_python_app_answers_health_and_passes_its_own_buildspec_tests(starter):
    root = starter("python")
    result = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", "tests"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = textwrap.dedent("""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("app", "app/app.py")
        app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
        print(b"".join(app.app({"PATH_INFO": "/healthz"}, lambda s, h: None)).decode(), end="")
    """)
    assert subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True).stdout == "ok\n"
