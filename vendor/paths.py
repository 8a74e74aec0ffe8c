"""Where the project's own data folders are: next to the package in this repository."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKER_DIR = REPO_ROOT / "packer"
APPSPEC_TEMPLATES_DIR = REPO_ROOT / "appspec_templates"
DEFAULT_BUILD_DIR = Path("build")
