"""Jinja2 environments for the project's template folders (packer/, appspec_templates/)."""
from __future__ import annotations

import json
from functools import lru_cache

import jinja2

from vendor.paths import APPSPEC_TEMPLATES_DIR, PACKER_DIR


def shell_word(value: object) -> str:
    """`value` as one single-quoted shell word: nothing in it is shell syntax."""
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def python_string(value: object) -> str:
    """`value` as a Python string literal (JSON's escaping is Python's for these characters)."""
    return json.dumps(str(value), ensure_ascii=True)


@lru_cache(maxsize=None)
def _environment(folder: str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    # what a config decides and a template puts into a shell script or Python source goes
    # through these, so a value can never become code there
    environment.filters["shell_word"] = shell_word
    environment.filters["python_string"] = python_string
    return environment


def render_packer(name: str, context: dict) -> str:
    return _environment(str(PACKER_DIR)).get_template(name).render(context)


def packer_file(name: str) -> str:
    return (PACKER_DIR / name).read_text(encoding="utf-8")


def render_appspec(name: str, context: dict) -> str:
    return _environment(str(APPSPEC_TEMPLATES_DIR)).get_template(name).render(context)
