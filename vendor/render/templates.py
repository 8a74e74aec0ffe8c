"""Jinja2 environments for the project's template folders (packer/, appspec_templates/)."""
from __future__ import annotations

from functools import lru_cache

import jinja2

from vendor.paths import APPSPEC_TEMPLATES_DIR, PACKER_DIR


@lru_cache(maxsize=None)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render_packer(name: str, context: dict) -> str:
    return _environment(str(PACKER_DIR)).get_template(name).render(context)


def packer_file(name: str) -> str:
    return (PACKER_DIR / name).read_text(encoding="utf-8")


def render_appspec(name: str, context: dict) -> str:
    return _environment(str(APPSPEC_TEMPLATES_DIR)).get_template(name).render(context)
