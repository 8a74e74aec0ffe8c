"""The health check path is rendered into a shell script (ValidateService) and Python source (the
python stack's app): quoted there, so even a value validation never saw stays one piece of text.

Each case renders a config whose path is replaced after validation (the model is copied without
checks), then runs the rendered line with /bin/sh or parses it with Python."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.config.model import Config
from vendor.render.appspec import render_app
from vendor.render.outputs import Text

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"

PATHS = [
    ("valid characters that are shell syntax unquoted", "/health?a=1&b=(2);c=*!"),
    ("command substitution", "/$(touch PWNED)"),
    ("backquotes and quotes", "/`touch PWNED`'\"\\"),
    ("newline", "/x\ntouch PWNED"),
]


def with_health_path(config: Config, path: str) -> Config:
    routing = config.routing
    health = routing.health_check.model_copy(update={"path": path})
    return config.model_copy(update={"routing": routing.model_copy(update={"health_check": health})})


def rendered(config: Config, name: str) -> str:
    return next(o.content for o in render_app(config) if isinstance(o, Text) and o.path == f"app/{name}")


@pytest.mark.parametrize("name,path", PATHS, ids=[c[0] for c in PATHS])
def test_the_health_url_is_one_shell_word(tmp_path, name, path):
    """A health check path reaches the ValidateService script as one quoted shell word: /bin/sh reads it back exactly and runs nothing."""
    config = with_health_path(load_config(MINIMAL).config, path)
    script = rendered(config, "scripts/validate_service.sh")
    assignment = next(line for line in script.splitlines(keepends=True) if line.startswith("url="))
    if "\n" in path:  # a quoted newline continues the assignment on the next lines
        start = script.index(assignment)
        assignment = script[start:script.index("\nattempt=", start) + 1]
    result = subprocess.run(["sh", "-c", assignment + 'printf %s "$url"'], cwd=tmp_path, capture_output=True,
                            text=True, timeout=10)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"http://127.0.0.1:{config.routing.port}{path}"
    assert list(tmp_path.iterdir()) == []  # nothing ran


@pytest.mark.parametrize("name,path", PATHS, ids=[c[0] for c in PATHS])
def test_the_health_path_is_one_python_string(name, path):
    """A health check path reaches the python stack's app as one string literal, never as code."""
    source = rendered(with_health_path(load_config(MINIMAL).config, path), "app/app.py")
    assigned = [node for node in ast.parse(source).body if isinstance(node, ast.Assign)
                and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["HEALTH_PATH"]]
    assert len(assigned) == 1 and isinstance(assigned[0].value, ast.Constant)
    assert assigned[0].value.value == path
