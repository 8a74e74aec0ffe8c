"""Helpers for the deploy tests: write revisions, collect problem lines."""
from __future__ import annotations

import textwrap
from pathlib import Path

from vendor.config.source import SourceError
from vendor.deploy.appspec import parse_appspec


def problem_lines(text: str, revision: Path | None = None) -> list[str]:
    """The problems of appspec `text` as printed, or [] when it is valid."""
    try:
        parse_appspec(textwrap.dedent(text), "appspec.yml", revision=revision)
    except SourceError as e:
        return [str(p) for p in e.problems]
    return []


def write_revision(root: Path, appspec: str, files: dict[str, str] | None = None) -> Path:
    """A revision directory with `appspec` as appspec.yml and `files` (path -> content)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "appspec.yml").write_text(textwrap.dedent(appspec))
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


SIMPLE_APPSPEC = """\
    version: 0.0
    os: linux
    files:
      - source: /
        destination: /var/www/html
    hooks:
      ApplicationStart:
        - location: scripts/start.sh
          timeout: 60
          runas: root
    """
SIMPLE_FILES = {"index.html": "<h1>hello</h1>\n", "scripts/start.sh": "#!/bin/sh\nexit 0\n"}
