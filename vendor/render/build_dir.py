"""Everything `vend render` writes for one customer environment, under build/<customer>-<environment>/."""
from __future__ import annotations

from pathlib import Path

from vendor.config.loader import ConfigFile
from vendor.render.appspec import render_app
from vendor.render.outputs import Output
from vendor.render.packer import render_packer


def build_dir(out: Path, cf: ConfigFile) -> Path:
    return Path(out) / cf.config.slug


def render_all(cf: ConfigFile) -> list[Output]:
    # the config's file name only: the same config renders the same bytes wherever it is checked out
    return render_packer(cf, cf.path.name) + render_app(cf.config)
